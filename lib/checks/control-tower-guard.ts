import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type {
  IPolicyValidationContextBeta1,
  IPolicyValidationPluginBeta1,
  PolicyValidationPluginReportBeta1,
} from 'aws-cdk-lib';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';

/** Where @cdklabs/cdk-validator-cfnguard keeps AWS Control Tower's proactive rules. */
const CONTROL_TOWER_RULES = join(
  dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json')),
  'rules/control-tower/cfn-guard',
);

interface GuardRuleFile {
  readonly path: string;
  /** The resource types the rule checks; empty when it names none (then it always runs). */
  readonly types: readonly string[];
}

function controlTowerRuleFiles(): GuardRuleFile[] {
  return readdirSync(CONTROL_TOWER_RULES, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.guard'))
    .map((file) => {
      const path = join(CONTROL_TOWER_RULES, file);
      const code = readFileSync(path, 'utf8')
        .split('\n')
        .filter((line) => !line.trimStart().startsWith('#'))
        .join('\n');
      return { path, types: [...new Set(code.match(/AWS::[A-Za-z0-9]+::[A-Za-z0-9]+/g) ?? [])] };
    });
}

/**
 * AWS Control Tower's proactive rules through cdk-validator-cfnguard, run only where they can apply:
 * each rule checks given resource types, and cfn-guard re-reads the whole template for every rule (278
 * of them: over a minute on the stateless template), so a rule none of whose types the templates hold
 * is skipped, as it could find nothing. Same plugin name as the validator, so acknowledgements
 * (`cdk-validator-cfnguard::<rule>`) and reports read the same.
 */
export class ControlTowerGuard implements IPolicyValidationPluginBeta1 {
  readonly name = 'cdk-validator-cfnguard';
  private readonly rules = controlTowerRuleFiles();

  validate(context: IPolicyValidationContextBeta1): PolicyValidationPluginReportBeta1 {
    const types = new Set<string>();
    for (const path of context.templatePaths) {
      const template = JSON.parse(readFileSync(path, 'utf8')) as { Resources?: Record<string, { Type: string }> };
      for (const resource of Object.values(template.Resources ?? {})) types.add(resource.Type);
    }
    const rules = this.rules
      .filter((rule) => rule.types.length === 0 || rule.types.some((type) => types.has(type)))
      .map((rule) => rule.path);
    const guard = new CfnGuardValidator({ controlTowerRulesEnabled: false, rules, maxBuffer: 64 * 1024 * 1024 });
    return guard.validate(context);
  }
}
