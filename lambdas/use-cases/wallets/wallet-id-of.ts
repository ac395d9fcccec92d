import { sha256, stringToBytes } from 'viem';

/**
 * The wallet id of a `POST /v1/wallets` sent with an Idempotency-Key: derived from the caller and the
 * key, so a retried creation names the same wallet. The wallet's WALLET_CREATED is a conditional put on
 * this id, and an enclave wallet's key job is named after it, so a retry registers nothing twice and
 * picks up the key the first attempt asked the enclave for. Tagged apart from transfer ids: the same
 * key used for a transfer and a wallet names two things.
 */
export const walletIdOf = (callerId: string, idempotencyKey: string): string =>
  `w-${sha256(stringToBytes(`strongroom.wallet-id.v1\n${callerId}\n${idempotencyKey}`)).slice(2, 18)}`;
