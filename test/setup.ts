import 'aws-sdk-client-mock-vitest/extend';
import { afterAll } from 'vitest';
import { stopAwsCli } from '#test/helpers/aws-cli-batch.ts';

// The AWS CLI process a test file started (test/helpers/aws-cli-batch.ts) ends with the file.
afterAll(stopAwsCli);
