#!/bin/sh
# The buckets `./reelforge up` creates in moto, created in LocalStack when it is ready.
awslocal s3 mb s3://reelforge-raw || true
awslocal s3 mb s3://reelforge-processed || true
awslocal s3 mb s3://reelforge-lake || true
# upload-api links the processed bucket's plain URLs (CDN_BASE_URL), standing in for the CDN: let anyone GET them.
awslocal s3api put-bucket-policy --bucket reelforge-processed --policy \
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::reelforge-processed/*"}]}'
