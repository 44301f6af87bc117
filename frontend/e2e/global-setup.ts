import { startStack, startTlsFrontDoor } from './stack';

export default async function globalSetup() {
  if (process.env.E2E_BASE_URL) return undefined; // an already running stack (debugging)
  const stack = await startStack();
  process.env.E2E_BASE_URL = stack.baseUrl;
  process.env.E2E_BACKEND_URL = stack.backendUrl;
  process.env.E2E_DEMO_DIR = stack.demoDir;
  process.env.E2E_OFFLINE_ARCHIVE = stack.offlineArchive ? '1' : '0';
  process.env.E2E_MONGODB_URI = stack.mongodbUri;
  let tls: Awaited<ReturnType<typeof startTlsFrontDoor>> | null = null;
  try {
    tls = await startTlsFrontDoor(stack.backendUrl);
  } catch (err) {
    await stack.stop();
    throw err;
  }
  process.env.E2E_TLS_BASE_URL = tls.baseUrl;
  console.log(
    `e2e stack: frontend ${stack.baseUrl} (${stack.frontDoorServedByStack ? 'served by webbscope up' : 'vite preview'}), production nginx (TLS) ${tls.baseUrl}, backend ${stack.backendUrl}, offline archive: ${stack.offlineArchive ? 'yes' : 'NO (flag missing)'}`,
  );
  return async () => {
    await tls?.stop();
    await stack.stop();
  };
}
