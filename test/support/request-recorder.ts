// Records the DynamoDB requests a client sends, for tests that count them (counts, never timings).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface RequestRecorder {
  /** Every request's command name, in the order sent (a test may empty it). */
  readonly commands: string[];
  /** Round trips so far: a round trip starts whenever a request leaves with none in flight. */
  readonly roundTrips: number;
  /** Runs `run` and returns what it sent: command names and round trips. */
  during<T>(run: () => Promise<T>): Promise<{ value: T; sent: string[]; rounds: number }>;
}

let recorders = 0;

/** Starts recording the requests sent through `client` (and every client sharing its middleware stack). */
export function recordRequests(client: DynamoDBClient | DynamoDBDocumentClient): RequestRecorder {
  const commands: string[] = [];
  let inFlight = 0;
  let roundTrips = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      commands.push(context.commandName ?? 'unknown');
      if (inFlight++ === 0) roundTrips++;
      try {
        return await next(args);
      } finally {
        inFlight--;
      }
    },
    { step: 'initialize', name: `strongroomRequestRecorder${++recorders}` },
  );
  return {
    commands,
    get roundTrips() {
      return roundTrips;
    },
    async during(run) {
      const from = commands.length;
      const roundsBefore = roundTrips;
      const value = await run();
      return { value, sent: commands.slice(from), rounds: roundTrips - roundsBefore };
    },
  };
}
