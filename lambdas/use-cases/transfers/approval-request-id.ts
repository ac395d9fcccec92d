/** The approval request of a transfer: one per transfer, named after it, so a retried step finds it. */
export const approvalRequestIdOf = (transferId: string): string => `ap-${transferId.replace(/^tx-/, '')}`;
