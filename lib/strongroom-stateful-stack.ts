import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { CustodyTables } from './storage/custody-tables';

/**
 * Everything that holds state and must outlive a redeploy: the append-only tables (and, with the
 * KMS adapters, the keys and the approval topic). Kept apart from the stateless stack so that
 * replacing code never replaces data.
 */
export class StrongroomStatefulStack extends Stack {
  readonly tables: CustodyTables;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.tables = new CustodyTables(this, 'Tables');
  }
}
