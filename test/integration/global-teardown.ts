export default async function globalTeardown(): Promise<void> {
  await Promise.all([globalThis.strongroomDynamoDbLocal?.stop(), globalThis.strongroomAnvil?.stop()]);
}
