import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { AwsSolutionsChecks } from 'cdk-nag';
import { StrongroomStatefulStack } from './strongroom-stateful-stack';

/** The strongroom CDK app: its stacks, checked at synth by cdk-nag's AWS Solutions rules and AWS Control Tower's guard rules. */
export function buildStrongroomApp(props: AppProps = {}): { app: App; stateful: StrongroomStatefulStack } {
  const app = new App(props);
  const stateful = new StrongroomStatefulStack(app, 'StrongroomStateful', {
    description: 'strongroom custody stack: append-only tables, keys and topics',
  });
  // AWS Control Tower's proactive controls run offline beside cdk-nag: a failed rule fails the synth.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new CfnGuardValidator());
  return { app, stateful };
}
