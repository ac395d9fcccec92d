import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ControlTowerGuard } from './checks/control-tower-guard';
import { readEnclaveContext } from './enclave/enclave-context';
import { StrongroomEnclaveHostStack } from './enclave/enclave-host-stack';
import { StrongroomStatefulStack } from './strongroom-stateful-stack';
import { StrongroomStatelessStack } from './strongroom-stateless-stack';
import { agentKeyStateMachineRef } from './workflow/agent-key-workflow';
import { transferStateMachineRef } from './workflow/transfer-workflow';

/**
 * The strongroom CDK app: the stateful stack (tables, keys, topics, secret, signing queue) and the
 * stateless stack (functions, API, workflow, schedules, alarms) that depends on it, checked at synth by
 * cdk-nag's AWS Solutions rules and AWS Control Tower's guard rules.
 *
 * A third stack, the enclave host (StrongroomEnclaveHost), is added only when the context asks for it:
 * `strongroom:enclave=true` or any `strongroom:enclavePcrN` (./enclave/enclave-context.ts). Then its PCRs
 * must be given and valid, or the synth fails naming the key. Without that context the app is the two
 * stacks alone, as before: the local runtime, the rehearsal and a deployment without enclave wallets
 * need no EC2.
 */
export function buildStrongroomApp(props: AppProps = {}): {
  app: App;
  stateful: StrongroomStatefulStack;
  stateless: StrongroomStatelessStack;
  enclaveHost: StrongroomEnclaveHostStack | undefined;
} {
  const app = new App(props);
  const enclaveSettings = readEnclaveContext(app.node);
  const stateful = new StrongroomStatefulStack(app, 'StrongroomStateful', {
    description: 'strongroom custody stack: append-only tables, keys, topics, the page-token secret, the signing queue',
  });
  const stateless = new StrongroomStatelessStack(app, 'StrongroomStateless', {
    description: 'strongroom custody stack: functions, API, transfer workflow, schedules, dashboard and alarms',
    stateful,
    ...(enclaveSettings === undefined ? {} : { enclavePcrs: enclaveSettings.pcrs }),
  });
  stateless.addStackDependency(stateful);
  let enclaveHost: StrongroomEnclaveHostStack | undefined;
  if (enclaveSettings !== undefined) {
    enclaveHost = new StrongroomEnclaveHostStack(app, 'StrongroomEnclaveHost', {
      description: 'strongroom custody stack: the Nitro Enclave host, its isolated network and the sealing key',
      settings: enclaveSettings,
      stateful,
      stateMachineArn: transferStateMachineRef(stateless).arn,
      agentKeyStateMachineArn: agentKeyStateMachineRef(stateless).arn,
      // Made by the stateless stack whenever the enclave context is given, as here.
      coSignerFunctionArn: (stateless.coSigner as NonNullable<typeof stateless.coSigner>).function.functionArn,
    });
    // The break-glass role must exist before a key policy names it; the hosts call back the state machines.
    enclaveHost.addStackDependency(stateful);
    enclaveHost.addStackDependency(stateless);
  }
  // AWS Control Tower's proactive controls run offline beside cdk-nag: a failed rule fails the synth.
  // Each exception to either is acknowledged beside its resource, with its reason.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ControlTowerGuard());
  return { app, stateful, stateless, enclaveHost };
}
