import { Composer, type Ports, type PortsOf } from './compose';
import type { FunctionManifest } from './function-manifest';

/** Any Lambda handler: an event (and a context) in, a promise out. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each handler has its own event and context types
export type LambdaHandler = (event: any, context?: any) => Promise<any>;

/** A Lambda function: its manifest, the factory that makes its handler from ports, and the deployed handler. */
export interface LambdaFunction<M extends FunctionManifest, H extends LambdaHandler> {
  readonly manifest: M;
  /** The handler over the given ports: what the local runtime and tests call, with ports of their composer. */
  create(ports: PortsOf<M>): H;
  /**
   * The handler Lambda runs: composes from `process.env` once, at cold start, then serves every
   * invocation of that instance with the same ports.
   */
  readonly handler: H;
  /** Resolves once the deployed handler's composition is done (its cold start); rejects as it would. */
  ready(): Promise<void>;
}

/**
 * Declares a handler module's function. In Lambda (`AWS_LAMBDA_FUNCTION_NAME` is set) the composition
 * starts while the module loads, i.e. during the cold start's init: a missing or malformed variable
 * throws there and the function fails to start, naming it. Elsewhere (the local runtime, tests, which
 * import the module for its `create`) nothing happens until `handler` is called.
 */
export function defineFunction<M extends FunctionManifest, H extends LambdaHandler>(
  manifest: M,
  create: (ports: PortsOf<M>) => H,
): LambdaFunction<M, H> {
  const composer = new Composer(process.env);
  let built: Promise<{ readonly handle: H; readonly ports: Partial<Ports> }> | undefined;
  const build = () => {
    built ??= composer.compose(manifest).then((ports) => ({ handle: create(ports), ports: ports as Partial<Ports> }));
    return built;
  };
  if (process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined) {
    composer.readConfiguration(manifest); // throws, naming the variable: the init fails
    build().catch(() => undefined); // the first invocation gets the same rejection, and fails with it
  }
  const handler = (async (event: unknown, context?: unknown) => {
    const { handle, ports } = await build();
    try {
      return await handle(event, context);
    } finally {
      ports.metrics?.flush(); // one EMF line per invocation, written before Lambda freezes the instance
    }
  }) as H;
  return { manifest, create, handler, ready: () => build().then(() => undefined) };
}
