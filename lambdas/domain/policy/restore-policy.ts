import { parsePolicy, type PolicyJson } from './parse-policy';
import type { Policy, PolicyContext } from './policy';

/**
 * Every group name is taken as existing and large enough. Groups were checked against the registry
 * when the policy was set; whether a quorum can still be reached is checked again, on the groups as
 * they are then, whenever an approval is requested (APPROVAL.QUORUM_UNREACHABLE).
 */
class AnyGroup extends Map<string, { readonly size: number }> {
  override get(): { readonly size: number } {
    return { size: Number.MAX_SAFE_INTEGER };
  }

  override has(): boolean {
    return true;
  }
}

const STORED: PolicyContext = { groups: new AnyGroup() };

/**
 * Reads back a policy that was parsed and accepted when it was set, from its stored JSON form
 * ({@link serializePolicy}). It is parsed again (amounts back to bigint, selectors and parameters
 * derived from signatures) but its approval groups are not looked up: a group that changed since
 * must not make a wallet's stored policy unreadable.
 */
export function restorePolicy(json: PolicyJson): Policy {
  return parsePolicy(json, STORED);
}
