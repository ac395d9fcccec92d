import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ControlTowerGuard } from './checks/control-tower-guard';
import { StrongroomStatefulStack } from './strongroom-stateful-stack';
import { StrongroomStatelessStack } from './strongroom-stateless-stack';

/**
 * The strongroom CDK app: the stateful stack (tables, keys, topics, secret) and the stateless stack
 * (functions, API, workflow, schedules, alarms) that depends on it, checked at synth by cdk-nag's AWS
 * Solutions rules and AWS Control Tower's guard rules.
 */
export function buildStrongroomApp(props: AppProps = {}): {
  app: App;
  stateful: StrongroomStatefulStack;
  stateless: StrongroomStatelessStack;
} {
  const app = new App(props);
  const stateful = new StrongroomStatefulStack(app, 'StrongroomStateful', {
    description: 'strongroom custody stack: append-only tables, keys, topics and the page-token secret',
  });
  const stateless = new StrongroomStatelessStack(app, 'StrongroomStateless', {
    description: 'strongroom custody stack: functions, API, transfer workflow, schedules, dashboard and alarms',
    stateful,
  });
  stateless.addStackDependency(stateful);
  // AWS Control Tower's proactive controls run offline beside cdk-nag: a failed rule fails the synth.
  // Each exception to either is acknowledged beside its resource, with its reason.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ControlTowerGuard());
  return { app, stateful, stateless };
}
