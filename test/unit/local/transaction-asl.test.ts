import { WORKFLOW_FUNCTION_DEFINITIONS } from '../../../local/local-functions';
import { readFileSync } from 'node:fs';
import { CONFIRMATION_WAIT_STATE, TRANSACTION_ASL_PATH } from '../../../local/workflow/transfer-workflow';

interface State {
  readonly Type: string;
  readonly Next?: string;
  readonly Default?: string;
  readonly Choices?: readonly { readonly Next: string }[];
  readonly Catch?: readonly { readonly ErrorEquals: readonly string[]; readonly Next: string }[];
  readonly Retry?: readonly { readonly ErrorEquals: readonly string[] }[];
  readonly TimeoutSeconds?: number;
  readonly Resource?: string;
  readonly Parameters?: { readonly FunctionName?: string };
}

const definition = JSON.parse(readFileSync(TRANSACTION_ASL_PATH, 'utf8')) as {
  StartAt: string;
  States: Record<string, State>;
};
const states = definition.States;
const successors = (name: string): string[] => {
  const s = states[name] as State;
  return [s.Next, s.Default, ...(s.Choices ?? []).map((c) => c.Next), ...(s.Catch ?? []).map((c) => c.Next)].filter(
    (n): n is string => n !== undefined,
  );
};
const predecessors = (target: string): string[] =>
  Object.keys(states).filter((name) => successors(name).includes(target));

describe('statemachines/transaction.asl.json', () => {
  it('is accepted by the local runner with a handler for every function placeholder (JSONPath only)', () => {
    const functions = Object.values(states).flatMap((s) =>
      s.Parameters?.FunctionName === undefined ? [] : [s.Parameters.FunctionName],
    );
    expect(new Set(functions)).toEqual(
      new Set(Object.keys(WORKFLOW_FUNCTION_DEFINITIONS).map((name) => `\${${name}}`)),
    );
    expect(JSON.stringify(definition)).not.toContain('QueryLanguage');
  });

  it('has the confirmation loop the local runner wakes on new blocks: TrackConfirmations → Wait → TrackConfirmations', () => {
    expect(states[CONFIRMATION_WAIT_STATE]).toMatchObject({ Type: 'Wait', Next: 'TrackConfirmations' });
    expect(predecessors(CONFIRMATION_WAIT_STATE)).toContain('ConfirmationDecided');
    expect(predecessors('ConfirmationDecided')).toEqual(['TrackConfirmations']);
  });

  it('sets TimeoutSeconds on every Task and retries transient failures by name', () => {
    for (const [name, state] of Object.entries(states).filter(([, s]) => s.Type === 'Task')) {
      expect({ name, timeout: typeof state.TimeoutSeconds }).toEqual({ name, timeout: 'number' });
      expect({ name, retries: (state.Retry ?? []).length > 0 }).toEqual({ name, retries: true });
    }
  });

  it('reaches SignWithKms only through Authorize: there is no path to a signature without a proof', () => {
    expect(predecessors('SignWithKms')).toEqual(['ChooseSigner']);
    expect(predecessors('ChooseSigner')).toEqual(['Authorize']);
  });

  it('never compensates (releases funds) after signing: Broadcast, tracking and settlement do not lead to Compensate', () => {
    for (const name of ['Broadcast', 'TrackConfirmations', 'ConfirmationDecided', 'WaitForConfirmations', 'Settle']) {
      expect({ name, next: successors(name).includes('Compensate') }).toEqual({ name, next: false });
    }
    // The one way back from Compensate into the chain half is for transfers in doubt or a nonce to fill.
    expect(successors('Compensated').sort()).toEqual(['Authorize', 'Done', 'TrackConfirmations']);
  });

  it('sends every failure before signing to Compensate', () => {
    for (const name of [
      'Locate',
      'Screen',
      'EvaluatePolicy',
      'RequestApproval',
      'Prepare',
      'Authorize',
      'SignWithKms',
    ]) {
      expect({ name, catches: (states[name]?.Catch ?? []).map((c) => c.Next) }).toEqual({
        name,
        catches: ['Compensate'],
      });
    }
  });
});
