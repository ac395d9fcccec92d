import { Stack } from 'aws-cdk-lib';

/**
 * Everything that holds state and must outlive a redeploy: the append-only tables, the KMS keys, the
 * approval topic. Kept apart from the stateless stack so that replacing code never replaces data.
 * The tables arrive with the persistence layer, the keys with the KMS adapters.
 */
export class StrongroomStatefulStack extends Stack {}
