import {
  createPublicClient,
  createWalletClient,
  erc20Abi,
  formatEther,
  http,
  parseEther,
  recoverTypedDataAddress,
  type Address,
  type Hex,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { HpkeSealed } from '../../enclave-host/contract';
import { generateRecoveryKeyPair, openShare, SHARE_LENGTH, zeroise } from '../../enclave-host/shares';
import { verifyAuditTrail } from '../../scripts/verify-audit-trail';
import { anvilDevAccounts } from '../anvil-dev-accounts';
import { SoftwareAuthenticator } from '../passkeys/software-authenticator';

const MIXER: Address = '0x8626f6940E2eb28930eFb4CeF49B2d1F2C9C1199';
const RECIPIENT: Address = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';

interface Json {
  readonly [key: string]: unknown;
}

/** A step of the demo did not happen: the reason is the message. */
export class DemoFailure extends Error {}

let step = 0;
let print: (line: string) => void = (line) => console.log(line);
const say = (text: string): void => print(`\n${++step}. ${text}`);
const detail = (text: string): void => print(`   ${text}`);

function check(condition: boolean, reason: string): asserts condition {
  if (!condition) throw new DemoFailure(reason);
}

/**
 * The demo's steps against a running stack at `base` (its API and its /local routes) and the chain
 * at `rpcUrl`: create and fund a wallet, set a policy, and take four transfers through every
 * control. Throws a DemoFailure naming the first step that did not happen.
 */
export async function runDemo(
  base: string,
  rpcUrl: string,
  output: (line: string) => void = (line) => console.log(line),
): Promise<void> {
  step = 0;
  print = output;
  await run(base, rpcUrl);
}

async function run(base: string, rpcUrl: string): Promise<void> {
  const token = async (sub: string, roles: string[]): Promise<string> =>
    (await post<{ token: string }>(base, '/local/tokens', { sub, roles })).token;
  const admin = await token('demo-admin', ['admin']);
  const operator = await token('demo-operator', ['operator']);
  const auditor = await token('demo-auditor', ['auditor']);

  say('Create a wallet (custody key in the key vault: KMS in the cloud, the encrypted local vault here)');
  const wallet = await api<Json>(base, 'POST', '/v1/wallets', admin, {
    name: 'Treasury hot wallet',
    chainId: 31337,
    keyScheme: 'kms',
  });
  const walletId = wallet.id as string;
  const address = wallet.address as Address;
  detail(`wallet ${walletId} at ${address}`);

  say('Fund it from an anvil account; the deposit watcher credits the ledger');
  const accounts = anvilDevAccounts(10);
  const chain = {
    id: 31337,
    name: 'anvil',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  } as const;
  const publicClient = createPublicClient({ chain, transport: http(rpcUrl) });
  const funder = createWalletClient({
    account: privateKeyToAccount(accounts[1]?.privateKey as Hex),
    chain,
    transport: http(rpcUrl),
  });
  const ethHash = await funder.sendTransaction({ to: address, value: parseEther('10') });
  await publicClient.waitForTransactionReceipt({ hash: ethHash });
  const registry = (
    await api<{ balances: { asset: string; available: string }[] }>(base, 'GET', `/v1/wallets/${walletId}`, admin)
  ).balances.find((b) => b.asset !== 'native');
  check(registry !== undefined, 'the wallet shows no registry token balance: is the local token configured?');
  const tokenAddress = registry?.asset as Address;
  const tokenFunder = createWalletClient({
    account: privateKeyToAccount(accounts[9]?.privateKey as Hex),
    chain,
    transport: http(rpcUrl),
  });
  const tokenHash = await tokenFunder.writeContract({
    address: tokenAddress,
    abi: erc20Abi,
    functionName: 'transfer',
    args: [address, parseEther('1000')],
  });
  await publicClient.waitForTransactionReceipt({ hash: tokenHash });
  detail(`sent 10 ETH (${ethHash}) and 1000 LUSD (${tokenHash})`);
  const funded = await poll(async () => {
    const view = await api<{ balances: { asset: string; available: string }[] }>(
      base,
      'GET',
      `/v1/wallets/${walletId}`,
      admin,
    );
    const native = BigInt(view.balances.find((b) => b.asset === 'native')?.available ?? '0');
    const lusd = BigInt(view.balances.find((b) => b.asset === tokenAddress)?.available ?? '0');
    return native >= parseEther('10') && lusd >= parseEther('1000') ? view : undefined;
  }, 'the deposits to be credited');
  detail(
    `credited: ${funded.balances.map((b) => `${b.asset === 'native' ? 'ETH' : 'LUSD'} ${formatEther(BigInt(b.available))}`).join(', ')}`,
  );

  say('Create an approval group (alice, bob, carol) whose members approve with passkeys');
  const group = await api<Json>(base, 'POST', '/v1/approval-groups', admin, {
    name: 'treasury',
    requirePasskeys: true,
    members: [
      { id: 'alice', name: 'Alice' },
      { id: 'bob', name: 'Bob' },
      { id: 'carol', name: 'Carol' },
    ],
  });
  detail(`group ${group.id as string}`);

  say(
    'Alice and Bob enroll passkeys from the links sent to them (a SOFTWARE authenticator stands in for their devices)',
  );
  const devices = new Map<string, SoftwareAuthenticator>();
  for (const who of ['alice', 'bob']) devices.set(who, await enrollPasskey(base, admin, who));

  say('Set the policy: small transfers allowed, above 1 ETH two approvers, the mixer blocked, LUSD allowed');
  const policy = await api<Json>(
    base,
    'PUT',
    `/v1/wallets/${walletId}/policy`,
    admin,
    demoPolicy({ groupId: group.id as string, tokenAddress, largeQuorum: 2 }),
  );
  detail(`policy version ${String(policy.policyVersion ?? policy.version)}`);

  const results: { name: string; id: string; traceId: string }[] = [];
  const submit = async (name: string, body: Json): Promise<{ id: string; traceId: string }> => {
    const accepted = await api<{ id: string; status: string; traceId: string }>(
      base,
      'POST',
      '/v1/transactions',
      operator,
      { walletId, ...body },
      { 'idempotency-key': `demo-${walletId}-${name}` },
    );
    detail(`${name}: accepted as ${accepted.id} (${accepted.status})`);
    results.push({ name, id: accepted.id, traceId: accepted.traceId });
    return accepted;
  };
  const until = (id: string, statuses: string[]): Promise<Json> =>
    poll(
      async () => {
        const view = await api<Json>(base, 'GET', `/v1/transactions/${id}`, operator);
        return statuses.includes(view.status as string) ? view : undefined;
      },
      `transfer ${id} to reach ${statuses.join(' or ')}`,
    );

  say('A small transfer (0.1 ETH): allowed by policy, signed, broadcast, confirmed');
  const small = await submit('small', { to: RECIPIENT, asset: 'native', amount: parseEther('0.1').toString() });
  const smallDone = await until(small.id, ['COMPLETED', 'REJECTED', 'FAILED']);
  check(smallDone.status === 'COMPLETED', `the small transfer ended ${String(smallDone.status)}`);
  detail(
    `COMPLETED: tx ${String(smallDone.txHash)}, ${String(smallDone.confirmations)} confirmation(s), fee ${String(smallDone.fee)} wei`,
  );

  say('A large transfer (2 ETH): waits for two approvers, each signing with their passkey');
  const large = await submit('large', { to: RECIPIENT, asset: 'native', amount: parseEther('2').toString() });
  const waiting = await until(large.id, ['PENDING_AUTHORIZATION', 'REJECTED', 'FAILED']);
  check(
    waiting.status === 'PENDING_AUTHORIZATION',
    `the large transfer is ${String(waiting.status)}, not waiting for approval`,
  );
  const requestId = await poll(
    async () =>
      typeof (await api<Json>(base, 'GET', `/v1/transactions/${large.id}`, operator)).approvalRequestId === 'string'
        ? ((await api<Json>(base, 'GET', `/v1/transactions/${large.id}`, operator)).approvalRequestId as string)
        : undefined,
    'the approval request',
  );
  detail(`PENDING_AUTHORIZATION: approval request ${requestId}`);
  // Each approver follows their own link from the outbox (their mail, on one machine): reads the page,
  // then posts its form as a browser would: the link's secret in the body, to the page's path.
  const outbox = await poll(async () => {
    const { items } = await api<{ items: { to: string; approvalRequestId: string; link: string }[] }>(
      base,
      'GET',
      '/local/outbox',
    );
    const links = items.filter((m) => m.approvalRequestId === requestId);
    return links.length >= 3 ? links : undefined;
  }, 'the approvers’ links');
  for (const who of ['alice', 'bob']) {
    const link = new URL(outbox.find((m) => m.to === who)?.link ?? '');
    const page = await fetch(link);
    const html = await page.text();
    const shown = /data-field="amount">([^]*?)<\/p>/.exec(html)?.[1]?.replace(/<[^>]+>/g, '') ?? '';
    check(page.status === 200 && shown === '2 ETH', `${who}'s page shows "${shown}", not the 2 ETH transfer`);
    const form = /<form method="post" action="([^"]+)"/.exec(html)?.[1] ?? '';
    const secret = /name="t" value="([^"]+)"/.exec(html)?.[1] ?? '';
    // Approve signs the digest of exactly this transfer and decision (the button's challenge).
    const challenge = /value="approve" data-passkey-challenge="([^"]+)"/.exec(html)?.[1] ?? '';
    check(challenge !== '', `${who}'s page asks for no passkey`);
    const assertion = devices.get(who)?.assert({ challenge, origin: link.origin, rpId: link.hostname });
    const posted = await fetch(new URL(form, link), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        t: secret,
        decision: 'approve',
        comment: `approved by ${who} in the demo`,
        assertion: JSON.stringify(assertion),
      }),
    });
    check(posted.status === 200, `${who}'s decision was refused (${posted.status})`);
    detail(
      `${who} opens ${link.origin}${link.pathname}?t=…, reads "${shown}", clicks Approve, the passkey signs → ${posted.status}`,
    );
  }
  const largeDone = await until(large.id, ['COMPLETED', 'REJECTED', 'FAILED', 'EXPIRED']);
  check(largeDone.status === 'COMPLETED', `the large transfer ended ${String(largeDone.status)}`);
  detail(`COMPLETED: tx ${String(largeDone.txHash)}`);

  say('A transfer to the blocked mixer: rejected, naming the rule');
  const blocked = await submit('blocked', { to: MIXER, asset: 'native', amount: parseEther('0.01').toString() });
  const blockedDone = await until(blocked.id, ['REJECTED', 'COMPLETED', 'FAILED']);
  const rejection = blockedDone.rejection as { ruleIds?: string[]; reason?: string } | undefined;
  check(
    blockedDone.status === 'REJECTED' && (rejection?.ruleIds ?? []).includes('block-mixer'),
    `the mixer transfer ended ${String(blockedDone.status)} (${JSON.stringify(rejection)})`,
  );
  detail(`REJECTED by rule ${rejection?.ruleIds?.join(', ') ?? ''}: ${rejection?.reason ?? ''}`);

  say('An ERC-20 transfer (100 LUSD)');
  const erc20 = await submit('erc20', { to: RECIPIENT, asset: tokenAddress, amount: parseEther('100').toString() });
  const erc20Done = await until(erc20.id, ['COMPLETED', 'REJECTED', 'FAILED']);
  check(erc20Done.status === 'COMPLETED', `the ERC-20 transfer ended ${String(erc20Done.status)}`);
  const received = await publicClient.readContract({
    address: tokenAddress,
    abi: erc20Abi,
    functionName: 'balanceOf',
    args: [RECIPIENT],
  });
  check(received >= parseEther('100'), 'the recipient did not receive the tokens');
  detail(`COMPLETED: tx ${String(erc20Done.txHash)}; recipient holds ${formatEther(received)} LUSD`);

  /** A wallet of `keyScheme` funded with 1 ETH, allowed to pay its one counterparty, and its transfer COMPLETED. */
  const walletSignsItsTransfer = async (input: {
    readonly name: string;
    readonly body: Json;
    readonly created: (wallet: Json) => Promise<string>;
    readonly signed: string;
  }): Promise<void> => {
    const created = await api<Json>(base, 'POST', '/v1/wallets', admin, {
      name: input.name,
      chainId: 31337,
      ...input.body,
    });
    const id = created.id as string;
    detail(`wallet ${id} at ${String(created.address)}: ${await input.created(created)}`);
    const funding = await funder.sendTransaction({ to: created.address as Address, value: parseEther('1') });
    await publicClient.waitForTransactionReceipt({ hash: funding });
    await poll(async () => {
      const view = await api<{ balances: { asset: string; available: string }[] }>(
        base,
        'GET',
        `/v1/wallets/${id}`,
        admin,
      );
      return BigInt(view.balances.find((b) => b.asset === 'native')?.available ?? '0') > 0n ? view : undefined;
    }, `the deposit to ${input.name}`);
    await api(base, 'PUT', `/v1/wallets/${id}/policy`, admin, {
      rules: [
        {
          id: 'one-counterparty',
          description: 'the one counterparty this wallet pays',
          match: { counterparty: { type: 'allowlist', addresses: [RECIPIENT] } },
          action: { type: 'ALLOW' },
        },
      ],
      limits: {},
    });
    detail('funded with 1 ETH; policy: transfers to its one allowlisted counterparty, nothing else');
    const transfer = await api<{ id: string; traceId: string }>(
      base,
      'POST',
      '/v1/transactions',
      operator,
      { walletId: id, to: RECIPIENT, asset: 'native', amount: parseEther('0.05').toString() },
      { 'idempotency-key': `demo-${id}-transfer` },
    );
    const done = await until(transfer.id, ['COMPLETED', 'REJECTED', 'FAILED']);
    check(done.status === 'COMPLETED', `the ${input.name}'s transfer ended ${String(done.status)}`);
    detail(`COMPLETED: tx ${String(done.txHash)}: ${input.signed}`);
  };

  say(
    'An AI agent\'s wallet (keyScheme "enclave"): its key made and sealed inside the enclave, which signs its transfer',
  );
  await walletSignsItsTransfer({
    name: 'Agent wallet',
    body: { keyScheme: 'enclave' },
    created: async () =>
      'the enclave made the key, sealed it under the KMS sealing key (PCR policy) and attested the address; registered after the attestation verified',
    signed:
      'the job went through the signing queue to the signing host, the enclave verified the proof, unsealed the key and signed; the workflow checked the signature before broadcasting',
  });

  say(
    'A wallet of 2-of-3 key shares (keyScheme "mpc"): the enclave, the co-signer and you each hold one share; the enclave combines two for one signature',
  );
  const recovery = await generateRecoveryKeyPair();
  await walletSignsItsTransfer({
    name: 'Shared-control wallet',
    body: { keyScheme: 'mpc', recoveryPublicKey: recovery.publicKey },
    created: async (wallet) => {
      const recoveryShare = wallet.recoveryShare as HpkeSealed | undefined;
      check(recoveryShare !== undefined, 'the mpc wallet was created without its recovery share');
      // Opened only as this wallet's share 3 (its id and address, epoch 1): the context is HPKE's aad.
      const share3 = await openShare(recovery.privateKey, recoveryShare, {
        deployment: recoveryShare.context.deployment,
        walletId: wallet.id as string,
        address: wallet.address as Hex,
        epoch: '1',
        share: '3',
      });
      check(share3.length === SHARE_LENGTH, 'share 3 did not open with the recovery key');
      zeroise(share3, recovery.privateKey);
      return 'share 1 sealed to the enclave, share 2 registered with the co-signer (its own KMS key), share 3 returned once, encrypted to your recovery key (it opens with it: `npm run recover -- open`)';
    },
    signed:
      'the signing host opened an attested enclave session, the co-signer checked the proof, its own daily cap and the attestation and released share 2 to that session only; the enclave combined shares 1 and 2, checked the address, signed and zeroised the key',
  });

  say('Balances');
  const after = await api<{
    balances: { asset: string; available: string; settled: string; reserved: string; pendingOut: string }[];
  }>(base, 'GET', `/v1/wallets/${walletId}`, admin);
  for (const b of after.balances)
    detail(
      `${b.asset === 'native' ? 'ETH ' : 'LUSD'}  available ${formatEther(BigInt(b.available))}  settled ${formatEther(BigInt(b.settled))}  reserved ${b.reserved}  pendingOut ${b.pendingOut}`,
    );
  const chainBalance = await publicClient.getBalance({ address });
  const nativeSettled = BigInt(after.balances.find((b) => b.asset === 'native')?.settled ?? '-1');
  check(
    chainBalance === nativeSettled,
    `the ledger's settled ETH ${nativeSettled} differs from the chain's ${chainBalance}`,
  );
  detail(`the ledger's settled ETH equals the chain balance (${formatEther(chainBalance)})`);

  say('The audit trail of each transfer, verified against its signed checkpoint');
  // The key the first checkpoint recovers to: every trail must verify against that one key (a client
  // would compare it with the audit key's published address instead).
  let auditKey: Address | undefined;
  for (const r of results) {
    // The runtime signs a checkpoint of the chain heads every second; wait for one that covers the trace.
    const trail = await poll(async () => {
      const t = await api<AuditTrailJson>(base, 'GET', `/v1/audit/${r.traceId}`, auditor);
      return t.checkpointId === undefined ? undefined : t;
    }, `a signed checkpoint covering ${r.name}`);
    check(trail.verified, `the audit trail of ${r.name} does not verify: ${String(trail.reason)}`);
    auditKey ??= await checkpointSigner(trail);
    const client = await verifyAuditTrail(trail, auditKey);
    check(client.verified, `a client cannot verify the audit trail of ${r.name}: ${client.problems.join('; ')}`);
    detail(
      `${r.name.padEnd(8)} verified against checkpoint ${String(trail.checkpointId)} (Merkle proof of ${trail.inclusion?.proof.length ?? 0} hashes): ${trail.records.map((x) => x.action).join(' → ')}`,
    );
  }
  detail(`every checkpoint is signed by the audit key ${String(auditKey)}`);

  await governanceChange(base, admin, { walletId, groupId: group.id as string, tokenAddress });
  console.log('\nDemo complete: every step happened.');
}

/**
 * A member enrolls a passkey from the enrollment link the notifier sent them (read from the local
 * outbox, their inbox here); a SOFTWARE authenticator stands in for their device.
 */
async function enrollPasskey(base: string, admin: string, who: string): Promise<SoftwareAuthenticator> {
  const invited = await api<Json>(base, 'POST', '/v1/passkeys/enrollments', admin, { memberId: who, memberName: who });
  const message = await poll(async () => {
    const { items } = await api<{ items: { enrollmentId?: string; link: string }[] }>(base, 'GET', '/local/outbox');
    return items.find((m) => m.enrollmentId === invited.enrollmentId);
  }, `${who}'s enrollment link`);
  const link = new URL(message.link);
  const page = await (await fetch(link)).text();
  const data = JSON.parse(/id="passkey-enrollment">([^<]*)<\/script>/.exec(page)?.[1] ?? '{}') as {
    publicKey?: { challenge: string };
  };
  check(data.publicKey !== undefined, `${who}'s enrollment page carries no passkey options`);
  const device = new SoftwareAuthenticator();
  const response = device.register({
    challenge: data.publicKey?.challenge ?? '',
    origin: link.origin,
    rpId: link.hostname,
  });
  await api(base, 'POST', `/v1/passkeys/enroll/${String(invited.enrollmentId)}`, undefined, {
    t: link.searchParams.get('t'),
    response,
  });
  detail(
    `${who}: the admin invites (and never sees the link); ${who} opens it and enrolls passkey ${device.credentialId.slice(0, 12)}…`,
  );
  return device;
}

/**
 * A governance member decides from the link the notifier sent them: the page's Approve button carries
 * the challenge their passkey signs (the change's digest for an approval); the decision posts the
 * link's secret and the assertion.
 */
async function approveFromLink(
  base: string,
  changeId: string,
  who: string,
  device: SoftwareAuthenticator,
): Promise<Json> {
  const message = await poll(async () => {
    const { items } = await api<{ items: { changeId?: string; to: string; link: string }[] }>(
      base,
      'GET',
      '/local/outbox',
    );
    return items.find((m) => m.changeId === changeId && m.to === who);
  }, `${who}'s link to change ${changeId}`);
  const link = new URL(message.link);
  const page = await (await fetch(link)).text();
  const challenge = /value="approve" data-passkey-challenge="([^"]+)"/.exec(page)?.[1];
  check(challenge !== undefined, `${who}'s change page offers no passkey approval`);
  const assertion = device.assert({ challenge: challenge ?? '', origin: link.origin, rpId: link.hostname });
  return api<Json>(base, 'POST', link.pathname, undefined, {
    t: link.searchParams.get('t'),
    decision: 'approve',
    assertion,
  });
}

/**
 * One governance change (ARCHITECTURE.md §9): the admin relaxes the large-transfer rule (two approvers
 * → one). Alone they cannot: it becomes a change request that two governance members approve, and it
 * applies only after the time-lock. On a stack whose time-lock is long (24 h by default), the demo
 * shows the change TIME_LOCKED and leaves it there.
 */
async function governanceChange(
  base: string,
  admin: string,
  { walletId, groupId, tokenAddress }: { walletId: string; groupId: string; tokenAddress: Address },
): Promise<void> {
  say('Governance: no single admin weakens a control');
  const members = [
    { id: 'gov-ana', name: 'Ana' },
    { id: 'gov-ben', name: 'Ben' },
    { id: 'gov-cai', name: 'Cai' },
  ];
  const current = await api<Json>(base, 'GET', '/v1/governance', admin);
  if (current.bootstrapped !== true) {
    await api(base, 'POST', '/v1/governance/bootstrap', admin, { members, quorum: 2 });
    detail(
      'bootstrapped the governance group once: Ana, Ben and Cai, 2 of 3, deciding with passkeys (a second bootstrap is refused)',
    );
  }
  const governed = await api<Json>(base, 'GET', '/v1/governance', admin);
  const ids = ((governed.members ?? []) as { id: string }[]).map((m) => m.id);
  if (!members.every((m) => ids.includes(m.id))) {
    detail(`this stack's governance group is someone else's (${ids.join(', ')}): the governance step is skipped`);
    return;
  }
  const relaxed = await api<Json>(base, 'PUT', `/v1/wallets/${walletId}/policy`, admin, {
    ...demoPolicy({ groupId, tokenAddress, largeQuorum: 1 }),
    reason: 'one approver is enough for large transfers',
  });
  check(
    relaxed.status === 'PENDING_GOVERNANCE',
    `relaxing the policy was not held for governance (${String(relaxed.status)})`,
  );
  const id = relaxed.id as string;
  detail(`the admin relaxes "large-eth" to one approver → 202, change ${id} PENDING_GOVERNANCE`);
  for (const reason of (relaxed.weakening ?? []) as string[]) detail(`  weakening: ${reason}`);
  const refused = await fetch(`${base}/v1/governance/changes/${id}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ decision: 'approve' }),
  });
  check(refused.status === 403, `the admin approved their own change (${refused.status})`);
  detail('the admin tries to approve it: 403 (not a governance member; a proposer never counts anyway)');
  let view: Json = relaxed;
  for (const member of ['gov-ana', 'gov-ben']) {
    view = await approveFromLink(base, id, member, await enrollPasskey(base, admin, member));
    detail(`${member} approves from their link with their passkey → ${String(view.status)}`);
  }
  check(
    view.status === 'TIME_LOCKED' || view.status === 'APPLIED',
    `after two approvals the change is ${String(view.status)}`,
  );
  const lock = Number(view.timeLockSeconds);
  detail(`time-lock ${lock} s: until ${String(view.effectiveAt)} any member can veto (POST {decision: "veto"})`);
  if (lock > 60) {
    detail(
      'this stack keeps the default time-lock: the change applies then (npm start -- --governance-time-lock 5 to watch it)',
    );
    return;
  }
  const applied = await poll(async () => {
    const now = await api<Json>(base, 'GET', `/v1/governance/changes/${id}`, admin);
    return now.status === 'APPLIED' || now.status === 'FAILED' ? now : undefined;
  }, 'the change to apply after its time-lock');
  check(applied.status === 'APPLIED', `the change ended ${String(applied.status)}: ${String(applied.failure)}`);
  const wallet = await api<Json>(base, 'GET', `/v1/wallets/${walletId}`, admin);
  detail(
    `APPLIED at ${String(applied.appliedAt)}: ${String(applied.result)} (wallet now at policy version ${String(wallet.policyVersion)})`,
  );
}

/** The demo wallet's policy: the mixer blocked, small ETH allowed, large ETH `largeQuorum` approvers, LUSD allowed. */
function demoPolicy(input: { groupId: string; tokenAddress: Address; largeQuorum: number }): Json {
  return {
    rules: [
      {
        id: 'block-mixer',
        match: { counterparty: { type: 'allowlist', addresses: [MIXER] } },
        action: { type: 'BLOCK' },
      },
      {
        id: 'small-eth',
        match: { assets: ['native'], amount: { max: parseEther('1').toString() } },
        action: { type: 'ALLOW' },
      },
      {
        id: 'large-eth',
        match: { assets: ['native'], amount: { min: (parseEther('1') + 1n).toString() } },
        action: {
          type: 'REQUIRE_APPROVAL',
          quorum: input.largeQuorum,
          approverGroup: input.groupId,
          timeoutSeconds: 3600,
        },
      },
      { id: 'lusd', match: { assets: [input.tokenAddress] }, action: { type: 'ALLOW' } },
    ],
    limits: {},
  };
}

export async function api<T>(
  base: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new DemoFailure(`${method} ${path} → ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

const post = <T>(base: string, path: string, body: unknown): Promise<T> => api<T>(base, 'POST', path, undefined, body);

type AuditTrailJson = Parameters<typeof verifyAuditTrail>[0] & {
  readonly verified: boolean;
  readonly reason?: string;
  readonly checkpointId?: string;
  readonly records: readonly { readonly action: string }[];
};

/** The address that signed a trail's checkpoint (viem's recovery over the typed data as the API sends it). */
async function checkpointSigner(trail: AuditTrailJson): Promise<Address> {
  if (trail.checkpoint === undefined) throw new DemoFailure(`the trail of ${trail.traceId} has no checkpoint`);
  const { typedData, signature } = trail.checkpoint;
  const fields = typedData.types[typedData.primaryType] ?? [];
  const message = Object.fromEntries(
    Object.entries(typedData.message).map(([k, v]) => [
      k,
      fields.find((f) => f.name === k)?.type.startsWith('uint') ? BigInt(v as string) : v,
    ]),
  );
  return recoverTypedDataAddress({ ...typedData, message, signature } as Parameters<typeof recoverTypedDataAddress>[0]);
}

async function poll<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new DemoFailure(`gave up waiting for ${what}`);
}
