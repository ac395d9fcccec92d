/**
 * `Promise.withResolvers` (ES2024, Node 22) for Node 20: aws-local-stepfunctions calls it in every
 * Task state. Importing this module installs it once, and only where it is missing.
 */

interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

function withResolvers<T>(this: PromiseConstructor): Resolvers<T> {
  let resolve!: Resolvers<T>['resolve'];
  let reject!: Resolvers<T>['reject'];
  // `this` as in the spec, so that a subclass gets instances of itself.
  const promise = new this<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const promiseConstructor = Promise as unknown as { withResolvers?: unknown };
if (typeof promiseConstructor.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    value: withResolvers,
    writable: true,
    configurable: true,
    enumerable: false,
  });
}

export {};
