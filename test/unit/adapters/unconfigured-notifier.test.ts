import { UnconfiguredNotifier } from '../../../lambdas/adapters/unconfigured-notifier';
import { DependencyUnavailableError } from '../../../lambdas/domain/errors';

describe('UnconfiguredNotifier', () => {
  it('refuses to pretend approvers were told: NOTIFY.UNAVAILABLE, retried by the workflow as a dependency down', async () => {
    const notice = {
      approvalRequestId: 'ar-1',
      transferId: 'tx-1',
      walletId: 'w-1',
      summary: '1 native to 0x…',
      expiresAt: new Date(0),
      members: [],
    };
    const refused = new UnconfiguredNotifier().notifyApprovers(notice);
    await expect(refused).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(refused).rejects.toMatchObject({ code: 'NOTIFY.UNAVAILABLE', details: { approvalRequestId: 'ar-1' } });
  });
});
