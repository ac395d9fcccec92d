/**
 * What the approval page behind an approver's link shows (issue 13): everything an approver needs to
 * decide, already resolved to display values by the approvals function. The renderer only escapes and
 * lays it out; it reads nothing else.
 */
export interface ApprovalPageView {
  readonly requestId: string;
  /**
   * The link secret: written only into the decision form's hidden field `t` (sent in the POST body),
   * never into a URL, a link or any visible text.
   */
  readonly secret: string;
  /** The member the link belongs to. */
  readonly approver: { readonly id: string; readonly name: string };
  readonly wallet: {
    readonly id: string;
    readonly name: string;
    readonly address: string;
    readonly chainId: number;
    readonly chainName: string;
  };
  /** The destination, with its allowlist label when the wallet's policy names it. */
  readonly destination: { readonly address: string; readonly label?: string };
  /** `ETH` for the native asset, or the token's symbol and contract address. */
  readonly asset: { readonly symbol: string; readonly decimals: number; readonly token?: string };
  /** The amount in base units (a decimal integer string) and in human units (`1.5`). */
  readonly amount: { readonly base: string; readonly human: string };
  /** A contract call's decoded calldata (function and arguments), or its raw hex when it cannot be decoded. */
  readonly call?:
    | {
        readonly functionName: string;
        readonly args: readonly { readonly name: string; readonly value: string }[];
      }
    | { readonly raw: string };
  /** The policy rule that asked for approval. */
  readonly rule: { readonly id: string };
  /** Who submitted the transfer. */
  readonly requester: string;
  /** Distinct approvals needed overall. */
  readonly quorum: number;
  readonly votes: readonly {
    readonly approverId: string;
    readonly decision: 'approve' | 'reject';
    readonly at: Date;
  }[];
  readonly expiresAt: Date;
  /**
   * When the member has passkeys: each button signs its own decision's digest (base64url challenges)
   * with one of them, and the page carries the one script that asks the passkey.
   */
  readonly passkey?: {
    readonly rpId: string;
    readonly credentials: readonly { readonly credentialId: string; readonly transports?: readonly string[] }[];
    readonly challenges: { readonly approve: string; readonly reject: string };
  };
}

/** A page that is not the decision form: the outcome of a decision, or why there is nothing to decide. */
export interface ApprovalNoticeView {
  /** The HTTP status it is served with: 200 decided, 403 wrong link, 404 unknown request, 409 already decided or resolved, 410 expired. */
  readonly status: 200 | 403 | 404 | 409 | 410;
  readonly title: string;
  /** Plain sentences (escaped by the renderer): what happened, and by whom when someone decided. */
  readonly lines: readonly string[];
}
