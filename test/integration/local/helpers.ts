import type { LocalCloudOptions, RunningLocalCloud } from '#local/kernel.ts';
import { startLocalCloud } from '#local/kernel.ts';

/** Starts a local cloud on a free port with a manual clock (tests move time with `advance`). */
export async function startTestCloud(options: LocalCloudOptions = {}): Promise<
  RunningLocalCloud & {
    config: {
      endpoint: string;
      region: string;
      credentials: { accessKeyId: string; secretAccessKey: string };
      maxAttempts: number;
    };
  }
> {
  const running = await startLocalCloud({ speed: 0, startTime: Date.UTC(2026, 10, 26, 6, 0, 0), ...options });
  return {
    ...running,
    config: {
      endpoint: running.endpoint,
      region: running.cloud.region,
      credentials: {
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      },
      maxAttempts: 1,
    },
  };
}

/** Captures the error a promise rejects with (fails the test if it resolves). */
export async function errorOf(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
