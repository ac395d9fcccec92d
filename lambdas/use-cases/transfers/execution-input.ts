/**
 * A workflow execution's input: the transfer, and its state for the first step (`''`: the step reads
 * it). The state machine hands each step's `stream` to the next at `$.step.stream`, so it must exist.
 */
export function executionInput(transferId: string, stream: string | undefined): object {
  return { transferId, step: { stream: stream ?? '' } };
}
