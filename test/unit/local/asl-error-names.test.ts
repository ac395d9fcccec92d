import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as errors from '../../../lambdas/domain/errors';
import { APPROVAL_ERRORS } from '../../../lambdas/use-cases/transfers/resume-waiting-task';

// The state machine matches errors by name (Retry and Catch `ErrorEquals`); a name that no error of
// ours carries is a retry or a compensation that never happens. Every name the ASL names is either the
// service's own (States.*, Lambda.*, SQS.* of the SQS integration), one the workflow itself sends (an approval's outcome), or the
// `name` of a class of the error catalogue, as an instance carries it when it reaches Step Functions.

interface AslState {
  readonly Retry?: readonly { readonly ErrorEquals: readonly string[] }[];
  readonly Catch?: readonly { readonly ErrorEquals: readonly string[] }[];
}

const definition = JSON.parse(readFileSync(join(__dirname, '../../../statemachines/transaction.asl.json'), 'utf8')) as {
  States: Record<string, AslState>;
};

const namedInAsl = [
  ...new Set(
    Object.values(definition.States).flatMap((state) =>
      [...(state.Retry ?? []), ...(state.Catch ?? [])].flatMap((rule) => rule.ErrorEquals),
    ),
  ),
].sort();

/** The name each exported error class gives its instances (what the Lambda runtime reports). */
function catalogueNames(): Map<string, string> {
  const names = new Map<string, string>();
  for (const [exported, value] of Object.entries(errors)) {
    if (typeof value !== 'function' || !(value.prototype instanceof Error || value === errors.StrongroomError))
      continue;
    const Class = value as unknown as new (...args: unknown[]) => Error;
    // ValidationError takes a field before its message; the others (code, message).
    const instance =
      Class === (errors.ValidationError as unknown)
        ? new Class('REQUEST.INVALID_FIELD', 'field', 'message')
        : new Class('STORE.CONFLICT', 'message');
    names.set(instance.name, exported);
  }
  return names;
}

describe('error names in the state machine', () => {
  it('are the service’s own, the approval outcomes, or names an error class of the catalogue gives its instances', () => {
    const catalogue = catalogueNames();
    const approvalOutcomes = new Set<string>(Object.values(APPROVAL_ERRORS));
    const unknown = namedInAsl.filter(
      (name) =>
        !name.startsWith('States.') &&
        !name.startsWith('Lambda.') &&
        !name.startsWith('SQS.') &&
        !approvalOutcomes.has(name) &&
        !catalogue.has(name),
    );
    expect(unknown).toEqual([]);
  });

  it('names the errors that must be retried or must stop the transfer safely', () => {
    expect(namedInAsl).toEqual(
      expect.arrayContaining(['ConflictError', 'DependencyUnavailableError', 'NotFinalError']),
    );
  });

  it('each catalogue class reports its own class name, so a renamed class cannot silently detach from the ASL', () => {
    for (const [name, exported] of catalogueNames()) expect(name).toBe(exported);
  });
});
