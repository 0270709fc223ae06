console.log('reelforge cli');
