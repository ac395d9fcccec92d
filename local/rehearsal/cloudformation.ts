import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A resource of a synthesized template. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

/** A synthesized CloudFormation template, as `cdk synth` writes it to cdk.out. */
export interface Template {
  readonly Resources: Readonly<Record<string, TemplateResource>>;
  readonly Parameters?: Readonly<Record<string, { readonly Default?: unknown; readonly Type: string }>>;
  readonly Outputs?: Readonly<
    Record<string, { readonly Value: unknown; readonly Export?: { readonly Name: unknown } }>
  >;
}

/** One deployed stack: its template, and what each of its resources became on this machine. */
export interface DeployedStack {
  readonly name: string;
  readonly template: Template;
  /** Logical id → `Ref` value (table name, key id, topic ARN, …). */
  readonly refs: Map<string, string>;
  /** `LogicalId.Attribute` → `Fn::GetAtt` value. */
  readonly attributes: Map<string, string>;
  readonly parameters: Readonly<Record<string, string>>;
}

/** A reference the rehearsal cannot resolve: a resource it does not stand in for, or a function it does not know. */
export class UnresolvedReferenceError extends Error {
  override readonly name = 'UnresolvedReferenceError';
}

export function readTemplate(cdkOut: string, stackName: string): Template {
  return JSON.parse(readFileSync(join(cdkOut, `${stackName}.template.json`), 'utf8')) as Template;
}

/**
 * Resolves CloudFormation intrinsic functions the way CloudFormation would at deploy time, against
 * the stand-ins of this machine: Ref (parameters, pseudo parameters, resources), Fn::GetAtt,
 * Fn::ImportValue (another stack's export), Fn::GetStackOutput (another stack's output), Fn::Join, Fn::Sub, Fn::Select and Fn::Split. Anything else,
 * or a reference to something that has no stand-in, throws, naming it: the rehearsal fails rather than
 * run a function with a value CloudFormation would not give it.
 */
export class Resolver {
  constructor(
    private readonly stacks: readonly DeployedStack[],
    private readonly pseudo: { readonly region: string; readonly accountId: string },
  ) {}

  resolve(value: unknown, stack: DeployedStack): unknown {
    if (Array.isArray(value)) return value.map((item) => this.resolve(item, stack));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value);
    if (entries.length === 1) {
      const [key, argument] = entries[0] as [string, unknown];
      if (key === 'Ref') return this.ref(String(argument), stack);
      if (key === 'Fn::GetAtt') {
        const [id, attribute] = Array.isArray(argument) ? argument : String(argument).split('.');
        return this.getAtt(String(id), String(attribute), stack);
      }
      if (key === 'Fn::ImportValue') return this.importValue(this.string(argument, stack));
      if (key === 'Fn::GetStackOutput') {
        const { StackName, OutputName } = argument as { StackName: unknown; OutputName: unknown };
        return this.stackOutput(this.string(StackName, stack), this.string(OutputName, stack));
      }
      if (key === 'Fn::Join') {
        const [separator, parts] = argument as [string, unknown[]];
        return (this.resolve(parts, stack) as unknown[]).map(String).join(separator);
      }
      if (key === 'Fn::Sub') return this.sub(argument, stack);
      if (key === 'Fn::Select') {
        const [index, list] = argument as [unknown, unknown];
        return (this.resolve(list, stack) as unknown[])[Number(this.resolve(index, stack))];
      }
      if (key === 'Fn::Split') {
        const [separator, text] = argument as [string, unknown];
        return this.string(text, stack).split(separator);
      }
      if (key.startsWith('Fn::') || key === 'Condition')
        throw new UnresolvedReferenceError(`${stack.name}: ${key} is not supported by the rehearsal`);
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, this.resolve(v, stack)]));
  }

  string(value: unknown, stack: DeployedStack): string {
    const resolved = this.resolve(value, stack);
    if (typeof resolved !== 'string' && typeof resolved !== 'number')
      throw new UnresolvedReferenceError(`${stack.name}: expected a string, got ${JSON.stringify(resolved)}`);
    return String(resolved);
  }

  private ref(name: string, stack: DeployedStack): string {
    switch (name) {
      case 'AWS::Region':
        return this.pseudo.region;
      case 'AWS::AccountId':
        return this.pseudo.accountId;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return stack.name;
      case 'AWS::NoValue':
        return '';
    }
    if (stack.template.Parameters?.[name] !== undefined) {
      const value = stack.parameters[name] ?? stack.template.Parameters[name]?.Default;
      if (value === undefined) throw new UnresolvedReferenceError(`${stack.name}: parameter ${name} has no value`);
      return String(value);
    }
    const physical = stack.refs.get(name);
    if (physical === undefined)
      throw new UnresolvedReferenceError(
        `${stack.name}: Ref ${name} (${stack.template.Resources[name]?.Type ?? 'unknown'}) has no stand-in`,
      );
    return physical;
  }

  private getAtt(id: string, attribute: string, stack: DeployedStack): string {
    const value = stack.attributes.get(`${id}.${attribute}`);
    if (value === undefined)
      throw new UnresolvedReferenceError(
        `${stack.name}: Fn::GetAtt ${id}.${attribute} (${stack.template.Resources[id]?.Type ?? 'unknown'}) has no stand-in`,
      );
    return value;
  }

  private importValue(name: string): string {
    for (const stack of this.stacks)
      for (const output of Object.values(stack.template.Outputs ?? {}))
        if (output.Export !== undefined && this.string(output.Export.Name, stack) === name)
          return this.string(output.Value, stack);
    throw new UnresolvedReferenceError(`Fn::ImportValue ${name}: no stack exports it`);
  }

  private stackOutput(stackName: string, outputName: string): string {
    const stack = this.stacks.find((s) => s.name === stackName);
    const output = stack?.template.Outputs?.[outputName];
    if (stack === undefined || output === undefined)
      throw new UnresolvedReferenceError(`Fn::GetStackOutput ${stackName}.${outputName}: no such output`);
    return this.string(output.Value, stack);
  }

  private sub(argument: unknown, stack: DeployedStack): string {
    const [text, variables] = Array.isArray(argument)
      ? (argument as [string, Record<string, unknown>])
      : [String(argument), {}];
    return text.replace(/\$\{([^}!][^}]*)\}/g, (_whole, name: string) => {
      if (Object.hasOwn(variables, name)) return this.string(variables[name], stack);
      if (name.includes('.')) {
        const [id, attribute] = name.split('.') as [string, string];
        return this.getAtt(id, attribute, stack);
      }
      return this.ref(name, stack);
    });
  }
}
