import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { StrongroomStatefulStack } from './strongroom-stateful-stack';

/** The strongroom CDK app: its stacks, checked by cdk-nag's AWS Solutions rules at synth. */
export function buildStrongroomApp(props: AppProps = {}): { app: App; stateful: StrongroomStatefulStack } {
  const app = new App(props);
  const stateful = new StrongroomStatefulStack(app, 'StrongroomStateful', {
    description: 'strongroom custody stack: append-only tables, keys and topics',
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stateful };
}
