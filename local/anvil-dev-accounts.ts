import { toHex, type Address, type Hex } from 'viem';
import { mnemonicToAccount, privateKeyToAccount, type HDKey } from 'viem/accounts';

/** Anvil's default mnemonic. Public knowledge: its keys are for local chains only. */
export const ANVIL_DEV_MNEMONIC = 'test test test test test test test test test test test junk';

/** A funded development account of a local anvil chain. */
export interface DevAccount {
  readonly address: Address;
  readonly privateKey: Hex;
}

let parentKey: HDKey | undefined;

/**
 * The first `count` accounts anvil derives from {@link ANVIL_DEV_MNEMONIC} (m/44'/60'/0'/0/i).
 * The seed (a slow PBKDF2) is computed once; each account is one child derivation from the parent node.
 */
export function anvilDevAccounts(count: number): DevAccount[] {
  parentKey ??= mnemonicToAccount(ANVIL_DEV_MNEMONIC, { path: "m/44'/60'/0'/0" }).getHdKey();
  const parent = parentKey;
  return Array.from({ length: count }, (_, index) => {
    const key = parent.deriveChild(index).privateKey;
    if (key === null) throw new Error(`no private key at m/44'/60'/0'/0/${index}`);
    const privateKey = toHex(key);
    return { address: privateKeyToAccount(privateKey).address, privateKey };
  });
}
