import { Resolver, UnresolvedReferenceError, type DeployedStack } from '../../../../local/rehearsal/cloudformation';

const stateful: DeployedStack = {
  name: 'Stateful',
  template: {
    Resources: { Table: { Type: 'AWS::DynamoDB::Table' }, Bucket: { Type: 'AWS::S3::Bucket' } },
    Outputs: {
      TableName: { Value: { Ref: 'Table' }, Export: { Name: 'Stateful:TableName' } },
      TableArn: { Value: { 'Fn::GetAtt': ['Table', 'Arn'] } },
    },
  },
  refs: new Map([['Table', 'stateful-table']]),
  attributes: new Map([['Table.Arn', 'arn:aws:dynamodb:eu-west-1:123456789012:table/stateful-table']]),
  parameters: {},
};
const stateless: DeployedStack = {
  name: 'Stateless',
  template: {
    Resources: { Fn: { Type: 'AWS::Lambda::Function' } },
    Parameters: { Chains: { Type: 'String' }, Poll: { Type: 'String', Default: '4' } },
  },
  refs: new Map([['Fn', 'fn-name']]),
  attributes: new Map(),
  parameters: { Chains: '[1]' },
};
const resolver = new Resolver([stateful, stateless], { region: 'eu-west-1', accountId: '123456789012' });

describe('the rehearsal resolves a template as CloudFormation would', () => {
  it('resolves refs, attributes, parameters (given or default), pseudo parameters, joins, subs and other stacks’ outputs', () => {
    const value = {
      name: { 'Fn::ImportValue': 'Stateful:TableName' },
      arn: { 'Fn::GetStackOutput': { StackName: 'Stateful', OutputName: 'TableArn', Region: { Ref: 'AWS::Region' } } },
      tables: { 'Fn::Join': ['', ['{"events":"', { 'Fn::ImportValue': 'Stateful:TableName' }, '"}']] },
      machine: {
        'Fn::Sub': 'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:${AWS::StackName}-x',
      },
      chains: { Ref: 'Chains' },
      poll: { Ref: 'Poll' },
      fn: { Ref: 'Fn' },
    };
    expect(resolver.resolve(value, stateless)).toEqual({
      name: 'stateful-table',
      arn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/stateful-table',
      tables: '{"events":"stateful-table"}',
      machine: 'arn:aws:states:eu-west-1:123456789012:stateMachine:Stateless-x',
      chains: '[1]',
      poll: '4',
      fn: 'fn-name',
    });
  });

  it.each([
    [{ Ref: 'Bucket' }, stateful, 'Ref Bucket (AWS::S3::Bucket) has no stand-in'],
    [{ 'Fn::GetAtt': ['Fn', 'Arn'] }, stateless, 'Fn::GetAtt Fn.Arn (AWS::Lambda::Function) has no stand-in'],
    [{ 'Fn::ImportValue': 'Nobody:Exports' }, stateless, 'Fn::ImportValue Nobody:Exports: no stack exports it'],
    [{ 'Fn::If': ['c', 'a', 'b'] }, stateless, 'Fn::If is not supported by the rehearsal'],
    [{ Ref: 'Missing' }, stateless, 'Ref Missing (unknown) has no stand-in'],
  ])('refuses what it cannot resolve, naming it: %j', (value, stack, message) => {
    expect(() => resolver.resolve(value, stack)).toThrow(UnresolvedReferenceError);
    expect(() => resolver.resolve(value, stack)).toThrow(message);
  });

  it('refuses a parameter without a value or a default', () => {
    const bare: DeployedStack = { ...stateless, parameters: {} };
    expect(() => resolver.resolve({ Ref: 'Chains' }, bare)).toThrow('parameter Chains has no value');
  });
});
