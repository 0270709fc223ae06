-- The app user may create databases: integration tests make one per test file.
GRANT ALL PRIVILEGES ON *.* TO 'reelforge'@'%';
FLUSH PRIVILEGES;
