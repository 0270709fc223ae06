#!/bin/sh
# The buckets `./reelforge up` creates in moto, created in LocalStack when it is ready.
awslocal s3 mb s3://reelforge-raw || true
awslocal s3 mb s3://reelforge-processed || true
awslocal s3 mb s3://reelforge-lake || true
