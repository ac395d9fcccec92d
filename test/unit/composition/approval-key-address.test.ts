import { assertApprovalKeyAddress } from '../../../lambdas/composition/compose';

const KEY = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' as const;
const OTHER = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' as const;

describe('the approval key address checked at cold start', () => {
  it('passes when the configured address is the key’s (in any letter case)', async () => {
    const vault = { addressOf: jest.fn(async () => KEY) };
    await expect(
      assertApprovalKeyAddress(vault, { approvalKeyId: 'k-approval', approvalKeyAddress: KEY.toLowerCase() as never }),
    ).resolves.toBeUndefined();
    expect(vault.addressOf).toHaveBeenCalledWith('k-approval');
  });

  it('refuses to start when they disagree, naming both', async () => {
    const vault = { addressOf: async () => OTHER };
    await expect(
      assertApprovalKeyAddress(vault, { approvalKeyId: 'k-approval', approvalKeyAddress: KEY }),
    ).rejects.toThrow(`STRONGROOM_APPROVAL_KEY_ADDRESS is ${KEY}, but the approval key k-approval is ${OTHER}`);
  });

  it('refuses to start when the key cannot be read (a wrong id), rather than start unchecked', async () => {
    const vault = {
      addressOf: async () => {
        throw new Error('no such key');
      },
    };
    await expect(
      assertApprovalKeyAddress(vault, { approvalKeyId: 'missing', approvalKeyAddress: KEY }),
    ).rejects.toThrow('no such key');
  });
});
