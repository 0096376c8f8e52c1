// An Element-like Matrix user: matrix-js-sdk with the Rust crypto core, in "exclude
// insecure devices" mode (OnlySignedDevicesIsolationMode), driven line by line.
//
// Input: one JSON object per line on stdin. The first is the login
//   {"homeserver": url, "user": "@u:localhost", "password": "..."}
// every later one a request {"op": ..., ...} (see OPS below).
// Output: one JSON object per line on stdout, one per input line:
//   {"ok": true, ...result} or {"ok": false, "error": "..."}.
// The SDK's own logging goes to stderr.

import { createHash, createDecipheriv } from "node:crypto";
import { createInterface } from "node:readline";

import * as sdk from "matrix-js-sdk";
import { logger } from "matrix-js-sdk/lib/logger.js";
import {
  AllDevicesIsolationMode,
  EventShieldColour,
  EventShieldReason,
  OnlySignedDevicesIsolationMode,
} from "matrix-js-sdk/lib/crypto-api/index.js";

const WAIT_MS = 20_000;

// matrix-js-sdk 43 targets Node 22; Node 20 (this machine, CI) lacks only this
// ES2024 builtin, which its sync loop uses. Without it the first sync aborts and no
// crypto request (key upload, /keys/query) is ever sent. Same semantics as the builtin.
Promise.withResolvers ??= function withResolvers() {
  let resolve, reject;
  const promise = new this((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

// stdout carries the protocol only: the SDK's logger writes to console.log otherwise.
for (const method of ["trace", "debug", "info", "log", "warn", "error"]) {
  console[method] = (...args) => process.stderr.write(args.join(" ") + "\n");
}
logger.setLevel(process.env.INTEROP_LOG_LEVEL ?? "warn");

/** Resolves once `check()` is truthy (checked after every sync and every second). */
async function waitFor(client, what, check) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => {
      const timer = setTimeout(done, 1000);
      function done() {
        clearTimeout(timer);
        client.off(sdk.ClientEvent.Sync, done);
        client.off(sdk.MatrixEventEvent.Decrypted, done);
        resolve();
      }
      client.on(sdk.ClientEvent.Sync, done);
      client.on(sdk.MatrixEventEvent.Decrypted, done);
    });
  }
}

async function login({ homeserver, user, password }) {
  const bare = sdk.createClient({ baseUrl: homeserver });
  const answer = await bare.loginRequest({
    type: "m.login.password",
    identifier: { type: "m.id.user", user },
    password,
    initial_device_display_name: "Element interop test",
  });
  const client = sdk.createClient({
    baseUrl: homeserver,
    userId: answer.user_id,
    deviceId: answer.device_id,
    accessToken: answer.access_token,
  });
  await client.initRustCrypto({ useIndexedDB: false });
  const crypto = client.getCrypto();
  crypto.setDeviceIsolationMode(new OnlySignedDevicesIsolationMode());
  // Element sets up cross-signing for a new account at its first login; in "exclude
  // insecure devices" mode the Rust crypto refuses to encrypt until it exists.
  await crypto.bootstrapCrossSigning({
    authUploadDeviceSigningKeys: (makeRequest) =>
      makeRequest({ type: "m.login.password", identifier: { type: "m.id.user", user }, password }),
  });
  client.startClient({ initialSyncLimit: 50 });
  await waitFor(client, "the first sync", () => client.isInitialSyncComplete());
  // Our own crypto requests must reach the homeserver before anything about other
  // devices means something: the server answers /keys/query with our uploaded keys.
  const own = await waitFor(client, "our own device keys on the server", async () => {
    const keys = await client.downloadKeysForUsers([answer.user_id]);
    return keys.device_keys?.[answer.user_id]?.[answer.device_id];
  });
  return { client, result: { user_id: answer.user_id, device_id: answer.device_id, keys: own.keys } };
}

/**
 * What Element shows about another user's device. The Rust crypto tracks (and judges)
 * only users it shares an encrypted room with, so call this after `encrypt`.
 */
async function trust(client, { user, device }) {
  const crypto = client.getCrypto();
  const status = await waitFor(client, `${user}'s device ${device} in the crypto store`, () =>
    crypto.getDeviceVerificationStatus(user, device),
  );
  const devices = (await crypto.getUserDeviceInfo([user])).get(user);
  return {
    known_devices: [...devices.keys()],
    ed25519: devices.get(device).getFingerprint(),
    has_cross_signing: await crypto.userHasCrossSigningKeys(user, true),
    signed_by_owner: status.signedByOwner,
    cross_signing_verified: status.crossSigningVerified,
    locally_verified: status.localVerified,
  };
}

async function join(client, { room }) {
  await client.joinRoom(room);
  await waitFor(client, `joining ${room}`, () => client.getRoom(room)?.getMyMembership() === "join");
  return {};
}

async function encrypt(client, { room }) {
  await client.sendStateEvent(room, "m.room.encryption", { algorithm: "m.megolm.v1.aes-sha2" });
  await waitFor(client, `encryption in ${room}`, () => client.getCrypto().isEncryptionEnabledInRoom(room));
  return {};
}

/** A new private encrypted room with `invite` invited; waits until they joined. */
async function createRoom(client, { invite }) {
  const { room_id: room } = await client.createRoom({
    preset: "private_chat",
    invite,
    initial_state: [
      { type: "m.room.encryption", state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } },
    ],
  });
  await waitFor(client, `${invite} joining ${room}`, () =>
    invite.every((user) => client.getRoom(room)?.getMember(user)?.membership === "join"),
  );
  return { room };
}

/**
 * Sends `body` so that the room key reaches only devices we verified ourselves, which
 * the bot's is not: Element's per-room "never send to unverified sessions" setting, in
 * the legacy device isolation mode. Restores "exclude insecure devices" afterwards.
 */
async function withhold(client, { room, body, replies = 1 }) {
  const crypto = client.getCrypto();
  client.getRoom(room).setBlacklistUnverifiedDevices(true);
  crypto.setDeviceIsolationMode(new AllDevicesIsolationMode(false));
  try {
    return await command(client, { room, body, replies });
  } finally {
    crypto.setDeviceIsolationMode(new OnlySignedDevicesIsolationMode());
  }
}

function inReplyTo(event) {
  return event.getContent()?.["m.relates_to"]?.["m.in_reply_to"]?.event_id;
}

/** Sends `body` and waits for `replies` answers to it; reports how each arrived. */
async function command(client, { room, body, replies = 1 }) {
  const sent = await client.sendTextMessage(room, body);
  const sentEvent = await waitFor(client, "our own event", () => client.getRoom(room)?.findEventById(sent.event_id));
  const answers = await waitFor(client, `${replies} replies to ${body}`, () => {
    const found = client
      .getRoom(room)
      .getLiveTimeline()
      .getEvents()
      .filter((event) => !event.isBeingDecrypted() && inReplyTo(event) === sent.event_id);
    return found.length >= replies ? found : null;
  });
  return {
    event_id: sent.event_id,
    sent_encrypted: sentEvent.isEncrypted(),
    replies: await Promise.all(answers.map((event) => describe(client, event))),
  };
}

async function describe(client, event) {
  const info = event.isEncrypted() ? await client.getCrypto().getEncryptionInfoForEvent(event) : null;
  return {
    event_id: event.getId(),
    sender: event.getSender(),
    encrypted: event.isEncrypted(),
    decryption_failure: event.isDecryptionFailure(),
    content: event.getContent(),
    shield: info ? EventShieldColour[info.shieldColour] : null,
    shield_reason: info?.shieldReason == null ? null : EventShieldReason[info.shieldReason],
  };
}

/** Downloads an encrypted attachment (`file` of an m.file event) and decrypts it. */
async function download(client, { file }) {
  const [server, mediaId] = file.url.slice("mxc://".length).split("/");
  const url = `${client.baseUrl}/_matrix/client/v1/media/download/${server}/${mediaId}`;
  const response = await fetch(url, { headers: { Authorization: `Bearer ${client.getAccessToken()}` } });
  if (!response.ok) throw new Error(`download ${file.url}: HTTP ${response.status}`);
  const ciphertext = Buffer.from(await response.arrayBuffer());
  // Element checks the hash before decrypting (matrix-encrypt-attachment does the same).
  const sha256 = createHash("sha256").update(ciphertext).digest("base64").replace(/=+$/, "");
  if (sha256 !== file.hashes.sha256) throw new Error("attachment hash mismatch");
  const key = Buffer.from(file.key.k, "base64url");
  const iv = Buffer.from(file.iv, "base64");
  const decipher = createDecipheriv("aes-256-ctr", key, iv);
  const plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  return { text: plaintext.toString("utf8"), ciphertext_base64: ciphertext.toString("base64") };
}

const OPS = { trust, join, encrypt, create_room: createRoom, command, withhold, download };

async function main() {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  const reply = (value) => process.stdout.write(JSON.stringify(value) + "\n");
  let client = null;
  for await (const line of lines) {
    if (!line.trim()) continue;
    try {
      const request = JSON.parse(line);
      if (client === null) {
        const session = await login(request);
        client = session.client;
        reply({ ok: true, ...session.result });
      } else {
        const op = OPS[request.op];
        if (!op) throw new Error(`unknown op ${request.op}`);
        reply({ ok: true, ...(await op(client, request)) });
      }
    } catch (error) {
      reply({ ok: false, error: String(error?.stack ?? error) });
    }
  }
  client?.stopClient();
  process.exit(0);
}

await main();
