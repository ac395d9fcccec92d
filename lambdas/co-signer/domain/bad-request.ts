import { ValidationError } from '../../domain/errors';
import { CoSignerRefusal } from './co-signer-refusal';

/** Runs a parser of the shared domain: its ValidationError (which names the field) becomes a BAD_REQUEST refusal. */
export function badRequest<T>(parse: () => T): T {
  try {
    return parse();
  } catch (cause) {
    if (cause instanceof ValidationError) throw new CoSignerRefusal('COSIGNER.BAD_REQUEST', cause.message);
    throw cause;
  }
}
