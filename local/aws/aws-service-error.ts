/**
 * An error as an AWS service answers it: the error code the SDK turns into its exception class
 * (`NotFoundException`, `ExecutionAlreadyExists`, …), the HTTP status, and whose fault it is. The
 * stand-ins throw it from their operations; the protocol layers (aws-json-protocol.ts,
 * aws-query-protocol.ts) write it in the service's wire shape.
 */
export class AwsServiceError extends Error {
  override readonly name = 'AwsServiceError';
  /** The service's error code, as in `__type` (JSON) or `<Code>` (Query). */
  readonly code: string;
  readonly status: number;
  /** `Sender` (the request was wrong) or `Receiver` (the service failed). */
  readonly fault: 'Sender' | 'Receiver';
  /**
   * For services that also speak the Query protocol (SQS): the legacy code sent in the
   * `x-amzn-query-error` header, by which the SDK finds the exception class. Default: `code`.
   */
  readonly queryCode: string;

  constructor(
    code: string,
    message: string,
    options: { readonly status?: number; readonly fault?: 'Sender' | 'Receiver'; readonly queryCode?: string } = {},
  ) {
    super(message);
    this.code = code;
    this.status = options.status ?? 400;
    this.fault = options.fault ?? (this.status >= 500 ? 'Receiver' : 'Sender');
    this.queryCode = options.queryCode ?? code;
  }
}
