import { readFileSync, rmSync } from 'node:fs';
import { ArnFormat } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AGENT_KEY_PROVISIONING_ENV, ENV, resourcesOf } from '../../lambdas/composition/function-manifest';
import { ALL_FUNCTIONS, FUNCTIONS } from '../../lambdas/composition/functions';
import { AWS_NITRO_ATTESTATION_ROOT } from '../../lambdas/composition/runtime-config';
import { ENCLAVE_CONTEXT } from '../../lib/enclave/enclave-context';
import { FUNCTION_NAME_TAG } from '../../lib/functions/strongroom-function';
import { AGENT_KEY_ASL_PATH, agentKeyStateMachineRef } from '../../lib/workflow/agent-key-workflow';
import { canonical, grantLines, roleStatements, synthStrongroom } from './support/synth-strongroom';

type Resource = { Type: string; Properties: Record<string, unknown> };

const PCRS = { 0: 'a1'.repeat(48), 1: 'b2'.repeat(48), 2: 'c3'.repeat(48) } as const;
const withEnclave = synthStrongroom({
  context: {
    [ENCLAVE_CONTEXT.pcr0]: PCRS[0],
    [ENCLAVE_CONTEXT.pcr1]: PCRS[1],
    [ENCLAVE_CONTEXT.pcr2]: PCRS[2],
  },
});
const withoutEnclave = synthStrongroom();
afterAll(() => {
  for (const built of [withEnclave, withoutEnclave]) rmSync(built.outdir, { recursive: true, force: true });
});

const templateOf = (built: typeof withEnclave): Template => Template.fromStack(built.stateless);
const resourcesIn = (template: Template) => template.toJSON().Resources as Record<string, Resource>;
const ofType = (template: Template, type: string) =>
  Object.entries(resourcesIn(template)).filter(([, r]) => r.Type === type);
const functionNamed = (template: Template, name: string): Resource => {
  const [found] = ofType(template, 'AWS::Lambda::Function').filter(([, fn]) =>
    (fn.Properties.Tags as { Key: string; Value: string }[]).some(
      (t) => t.Key === FUNCTION_NAME_TAG && t.Value === name,
    ),
  );
  return found![1];
};
const variablesOf = (fn: Resource): Record<string, unknown> =>
  (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
const roleIdOf = (fn: Resource): string => (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
const everyGrant = (template: Template): string[] =>
  ofType(template, 'AWS::Lambda::Function').flatMap(([, fn]) => grantLines(roleStatements(template, roleIdOf(fn))));

describe('without enclave context', () => {
  const template = templateOf(withoutEnclave);

  it('has no provisioning state machine, only the transfer workflow', () => {
    expect(ofType(template, 'AWS::StepFunctions::StateMachine')).toHaveLength(1);
  });

  it('configures no function for provisioning, so the wallets function keeps the unreachable enclave (503)', () => {
    for (const [, fn] of ofType(template, 'AWS::Lambda::Function'))
      for (const name of AGENT_KEY_PROVISIONING_ENV) expect(variablesOf(fn)).not.toHaveProperty(name);
    expect(everyGrant(template).filter((line) => /states:(DescribeExecution)/.test(line))).toEqual([]);
  });
});

describe('with enclave context', () => {
  const template = templateOf(withEnclave);
  const stack = withEnclave.stateless;
  const ref = agentKeyStateMachineRef(stack);
  const [, machine] = ofType(template, 'AWS::StepFunctions::StateMachine').find(
    ([, r]) => r.Properties.StateMachineName === ref.name,
  )!;
  const resolved = (value: unknown): string => canonical(stack.resolve(value));

  it('pages the operators when an enclave wallet could not be made (a failed provisioning execution)', () => {
    const [machineId] = ofType(template, 'AWS::StepFunctions::StateMachine').find(
      ([, r]) => r.Properties.StateMachineName === ref.name,
    )!;
    const alarms = ofType(template, 'AWS::CloudWatch::Alarm').filter(
      ([, r]) =>
        r.Properties.MetricName === 'ExecutionsFailed' && JSON.stringify(r.Properties.Dimensions).includes(machineId),
    );
    expect(alarms).toHaveLength(1);
    expect(alarms[0]![1].Properties).toMatchObject({ Threshold: 1, AlarmActions: [expect.anything()] });
    expect(
      ofType(templateOf(withoutEnclave), 'AWS::CloudWatch::Alarm').filter(([id]) => id.includes('FailedAgentKey')),
    ).toEqual([]);
  });

  it('is the Standard state machine of agent-key.asl.json, traced, logging every event without execution data', () => {
    expect(machine.Properties).toMatchObject({
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false },
    });
    const definition = JSON.parse(readFileSync(AGENT_KEY_ASL_PATH, 'utf8')) as {
      States: Record<string, Record<string, unknown>>;
    };
    expect(JSON.parse(machine.Properties.DefinitionString as string)).toEqual(definition);
    const substitutions = machine.Properties.DefinitionSubstitutions as Record<string, unknown>;
    expect(Object.keys(substitutions)).toEqual(['SigningQueueUrl']);
    expect(canonical(substitutions.SigningQueueUrl)).toBe(resolved(withEnclave.stateful.signingQueue.queue.queueUrl));
  });

  it('lets its role send to the signing queue and nothing else of strongroom', () => {
    const roleId = (machine.Properties.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const lines = grantLines(roleStatements(template, roleId));
    const services = new Set(lines.map((line) => line.split(' ')[1]!.split(':')[0]));
    expect([...services].sort()).toEqual(['logs', 'sqs', 'xray']);
    expect(lines.filter((line) => / sqs:/.test(line))).toEqual([
      `Allow sqs:SendMessage on ${resolved(withEnclave.stateful.signingQueue.queue.queueArn)}`,
    ]);
    expect(lines.filter((line) => / (logs|xray):/.test(line)).every((line) => line.endsWith(' on "*"'))).toBe(true);
  });

  it('gives the wallets function the provisioning variables: this state machine, the PCRs, the AWS Nitro root', () => {
    const variables = variablesOf(functionNamed(template, FUNCTIONS.wallets.name));
    expect(canonical(variables[ENV.agentKeyStateMachineArn])).toBe(resolved(ref.arn));
    expect(JSON.parse(variables[ENV.enclavePcrs] as string)).toEqual(PCRS);
    expect(variables[ENV.enclaveAttestationRoot]).toBe(AWS_NITRO_ATTESTATION_ROOT);
  });

  it('names no attestation root but AWS Nitro in any function', () => {
    for (const [, fn] of ofType(template, 'AWS::Lambda::Function')) {
      const root = variablesOf(fn)[ENV.enclaveAttestationRoot];
      if (root !== undefined) expect(root).toBe(AWS_NITRO_ATTESTATION_ROOT);
    }
  });

  it('lets the wallets function start this state machine and read its executions, and no function more', () => {
    const executions = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${ref.name}:agent-key-*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const provisioning = [
      `Allow states:StartExecution on ${resolved(ref.arn)}`,
      `Allow states:DescribeExecution on ${resolved(executions)}`,
    ];
    for (const manifest of ALL_FUNCTIONS) {
      const fn = functionNamed(template, manifest.name);
      const lines = grantLines(roleStatements(template, roleIdOf(fn)));
      const onProvisioning = lines.filter((line) => line.includes(ref.name));
      if (resourcesOf(manifest).agentKeyProvisioning) expect(onProvisioning.sort()).toEqual(provisioning.sort());
      else expect(onProvisioning).toEqual([]);
    }
    expect(ALL_FUNCTIONS.filter((m) => resourcesOf(m).agentKeyProvisioning).map((m) => m.name)).toEqual([
      FUNCTIONS.wallets.name,
    ]);
  });

  it('still gives every other function exactly its own variables', () => {
    for (const manifest of ALL_FUNCTIONS.filter((m) => !resourcesOf(m).agentKeyProvisioning)) {
      const variables = variablesOf(functionNamed(template, manifest.name));
      for (const name of AGENT_KEY_PROVISIONING_ENV) expect(variables).not.toHaveProperty(name);
    }
  });
});
