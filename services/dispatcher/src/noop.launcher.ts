// Launches nothing, at once: for measuring the dispatcher itself (benchmarks, tests). Its tasks run forever. No
// configuration selects it: a caller of startDispatcher passes it in code (see testing/dispatcher.test-main.ts).
import type { LaunchedTask, LaunchRequest, TaskLauncher, TaskStatus } from './task.launcher.js';

export class NoopLauncher implements TaskLauncher {
  readonly kind = 'noop' as const;
  private readonly launched = new Set<string>();

  async launch(request: LaunchRequest): Promise<LaunchedTask> {
    const taskId = `noop:${request.token}`;
    this.launched.add(taskId);
    return { taskId };
  }

  async describe(taskIds: readonly string[]): Promise<Map<string, TaskStatus>> {
    return new Map(
      taskIds.map((id): [string, TaskStatus] => [
        id,
        this.launched.has(id) ? { state: 'running' } : { state: 'unknown' },
      ]),
    );
  }

  async stop(taskId: string): Promise<void> {
    this.launched.delete(taskId);
  }

  async close(): Promise<void> {}
}
