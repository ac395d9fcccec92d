import type { SqsMessageSender } from '../../local/workflow/local-workflow-engine';

/**
 * A `wrapSendMessage` that delivers every signing job twice, as SQS may deliver a message: what the
 * enclave host must answer with one signature. `sent()` counts the jobs the workflow sent (once each).
 */
export function deliverTwice(): { readonly wrap: (inner: SqsMessageSender) => SqsMessageSender; sent(): number } {
  let sent = 0;
  return {
    wrap: (inner) => async (queueUrl, body, message) => {
      sent += 1;
      await inner(queueUrl, body, message);
      await inner(queueUrl, body, message);
    },
    sent: () => sent,
  };
}
