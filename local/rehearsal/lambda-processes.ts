import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** One function as the template deploys it: its bundle, handler, environment, memory and timeout. */
export interface DeployedFunction {
  readonly logicalId: string;
  readonly arn: string;
  readonly name: string;
  /** The asset directory in cdk.out that holds the bundle. */
  readonly assetDirectory: string;
  /** `index.handler`, as the template's Handler property says. */
  readonly handler: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
}

/** A function that answered with an error: its name is the `errorType` Lambda reports (what Retry and Catch match). */
export class LambdaInvocationError extends Error {
  constructor(errorType: string, message: string) {
    super(message);
    this.name = errorType;
  }
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

/**
 * Each deployed function in a process of its own (a stand-in for its Lambda execution environment),
 * started with exactly the template's environment plus what Lambda itself sets, and invoked over IPC.
 * Output lines (the functions' logs and EMF metrics) are kept per function for assertions.
 */
export class LambdaProcesses {
  private readonly processes = new Map<string, { child: ChildProcess; pending: Map<number, Pending> }>();
  private readonly byArn = new Map<string, DeployedFunction>();
  private readonly output = new Map<string, string[]>();
  private nextId = 0;

  constructor(private readonly platform: Readonly<Record<string, string>>) {}

  /** Starts the function's process; rejects, naming the function, if its module fails to load. */
  async start(fn: DeployedFunction): Promise<void> {
    this.byArn.set(fn.arn, fn);
    const lines: string[] = [];
    this.output.set(fn.logicalId, lines);
    const child = fork(join(__dirname, 'lambda-host.cjs'), [fn.assetDirectory, fn.handler], {
      env: {
        // What the Lambda service sets in every execution environment (no AWS_EXECUTION_ENV: X-Ray stays off).
        PATH: process.env.PATH,
        AWS_LAMBDA_FUNCTION_NAME: fn.name,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        STRONGROOM_REHEARSAL_FUNCTION_ARN: fn.arn,
        STRONGROOM_REHEARSAL_TIMEOUT_MS: String(fn.timeoutSeconds * 1000),
        ...this.platform,
        ...fn.environment,
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    const keep = (chunk: Buffer): void => {
      lines.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((line) => line !== ''),
      );
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const pending = new Map<number, Pending>();
    this.processes.set(fn.arn, { child, pending });
    await new Promise<void>((resolve, reject) => {
      child.on(
        'message',
        (message: { type: string; id?: number; result?: unknown; errorType?: string; errorMessage?: string }) => {
          if (message.type === 'ready') return resolve();
          if (message.type === 'init-error')
            return reject(new Error(`${fn.logicalId} failed to start: ${message.errorType}: ${message.errorMessage}`));
          const waiting = pending.get(message.id as number);
          if (waiting === undefined) return;
          pending.delete(message.id as number);
          if (message.type === 'result') waiting.resolve(message.result);
          else waiting.reject(new LambdaInvocationError(message.errorType ?? 'Error', message.errorMessage ?? ''));
        },
      );
      child.on('exit', (code) => {
        reject(
          new Error(`${fn.logicalId} exited (${String(code)}) before it was ready: ${lines.slice(-5).join(' | ')}`),
        );
        for (const waiting of pending.values()) waiting.reject(new Error(`${fn.logicalId} exited (${String(code)})`));
        pending.clear();
      });
    });
  }

  /** Invokes the function with ARN `arn`, as Lambda's Invoke would (RequestResponse). */
  invoke(arn: string, event: unknown): Promise<unknown> {
    const running = this.processes.get(arn);
    if (running === undefined) return Promise.reject(new Error(`no function with ARN ${arn} in the template`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      running.pending.set(id, { resolve, reject });
      running.child.send({ id, event });
    });
  }

  /** What the functions whose logical id starts with `prefix` wrote to stdout and stderr (their log lines). */
  logs(prefix: string): readonly string[] {
    return [...this.output].filter(([id]) => id.startsWith(prefix)).flatMap(([, lines]) => lines);
  }

  functions(): readonly DeployedFunction[] {
    return [...this.byArn.values()];
  }

  async stop(): Promise<void> {
    await Promise.all(
      [...this.processes.values()].map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill();
          }),
      ),
    );
  }
}
