// Lets the upload path skip SigV4's payload hash. The SDK otherwise hashes every part body once more just to sign
// it, on top of the sha256 we compute for the event: a second full pass over every byte on the API's CPU. S3 accepts
// UNSIGNED-PAYLOAD on any request; integrity in transit is TLS's job on AWS, and the sha256 we computed on the way
// travels in `video.uploaded` for anyone who wants to check the stored object.
import type { S3Client } from '@aws-sdk/client-s3';

const BODY_COMMANDS = new Set(['PutObjectCommand', 'UploadPartCommand']);

export function skipPayloadSigning(s3: S3Client): S3Client {
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (BODY_COMMANDS.has(context.commandName ?? '') && request.headers) {
        request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
      }
      return next(args);
    },
    { step: 'build', name: 'reelforgeUnsignedPayload', override: true },
  );
  return s3;
}
