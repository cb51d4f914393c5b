/**
 * A chat service on the OTP toolkit (docs/toolkit.md): each room is an actor started on demand by
 * a `DynamicSupervisor` and found by name through a unique `Registry`; a room monitors the users
 * who join, so it notices a user's actor dying (a `DOWN` in its mailbox); messages fan out to the
 * room's members through a duplicate `Registry` and `dispatch`. The rooms' supervisor runs inside
 * a Thunderline runtime, so the dashboard's tree shows it, each room under its registered name.
 *
 * @example
 * node --import tsx examples/chat.ts            # runs the story below and prints it
 * node --import tsx examples/chat.ts --serve    # then keeps running with the dashboard open
 *
 * import { main } from './examples/chat.ts';
 * const story = await main({ print: () => {} });
 */
import { pathToFileURL } from 'node:url';
// In your app: import { ... } from 'thunderline';
import {
  type ActorRef,
  type ActorSystem,
  type Behaviour,
  type DownMessage,
  DynamicSupervisorRef,
  dynamicSupervisorSpec,
  hasCode,
  monitor,
  Registry,
  type Runtime,
  spawnActor,
  startRuntime,
  via,
} from '../index.ts';

/** What a user's actor gets: the lines of the rooms it is in. */
export type UserMsg = { type: 'line'; room: string; text: string } | { type: 'inbox' };

/** What a room handles. */
export type RoomMsg =
  | { type: 'join'; user: ActorRef<UserMsg>; nick: string }
  | { type: 'say'; nick: string; text: string }
  | { type: 'members' }
  | DownMessage;

interface RoomState {
  readonly name: string;
  /** Nicknames by user actor, for the `DOWN` of a user who is gone. */
  readonly nicks: Map<ActorRef<never>, string>;
}

/** The service: where rooms are, who is in which room, and the supervisor that starts rooms. */
export interface Chat {
  /** Unique: room name → the room's actor. */
  readonly rooms: Registry<string>;
  /** Duplicate: room name → each member's actor (the fan-out list). */
  readonly members: Registry<string>;
  readonly supervisor: DynamicSupervisorRef;
  readonly system: ActorSystem;
}

/** A room: keeps its members' nicknames; everything it says goes to every member. */
function roomBehaviour(chat: Pick<Chat, 'members'>): Behaviour<RoomState, RoomMsg, string> {
  const broadcast = (room: string, text: string): void => {
    chat.members.dispatch(room, (entries) => {
      for (const { ref } of entries) (ref as ActorRef<UserMsg>).cast({ type: 'line', room, text });
    });
  };
  return {
    name: 'room',
    init: (name) => ({ name, nicks: new Map() }),
    handle(state, message, ctx) {
      switch (message.type) {
        case 'join':
          if (!message.user.alive) {
            // Gone before the room got to it: nothing to join (registering it would throw ERR_NOPROC).
            ctx.reply(false);
            return state;
          }
          chat.members.register(message.user, state.name);
          state.nicks.set(message.user, message.nick);
          // Told in this room's mailbox, in order, when the user's actor exits for any reason.
          monitor(ctx.self, message.user);
          broadcast(state.name, `* ${message.nick} joined`);
          ctx.reply(true);
          return state;
        case 'say':
          broadcast(state.name, `<${message.nick}> ${message.text}`);
          return state;
        case 'members':
          ctx.reply([...state.nicks.values()]);
          return state;
        case 'DOWN': {
          // The registry already dropped the user's entries: the fan-out list is right.
          const nick = state.nicks.get(message.target) ?? message.target.id;
          state.nicks.delete(message.target);
          broadcast(state.name, `* ${nick} left (${String(message.reason)})`);
          return state;
        }
        default: {
          const unreachable: never = message;
          throw new Error(`room: unknown message ${JSON.stringify(unreachable)}`);
        }
      }
    },
  };
}

/** A user: collects the lines it is sent. */
const user: Behaviour<string[], UserMsg> = {
  name: 'user',
  init: () => [],
  handle(lines, message, ctx) {
    if (message.type === 'inbox') {
      ctx.reply(lines);
      return lines;
    }
    return [...lines, `[${message.room}] ${message.text}`];
  },
};

/** Starts the chat service's room supervisor under `runtime`'s root supervisor. */
export async function startChat(runtime: Runtime): Promise<Chat> {
  const rooms = new Registry<string>({ keys: 'unique', name: 'rooms' });
  const members = new Registry<string>({ keys: 'duplicate', name: 'members' });
  const supervisor = await runtime.supervisor.startChild(dynamicSupervisorSpec('chat_rooms', { maxChildren: 1000 }));
  if (!(supervisor instanceof DynamicSupervisorRef)) throw new Error('chat_rooms did not start');
  return { rooms, members, supervisor, system: runtime.system };
}

/**
 * The room called `name`: the running one, or a new one started under the supervisor and
 * registered as `name` before its `init` runs. Two callers racing for a new room get the same one.
 */
export async function openRoom(chat: Chat, name: string): Promise<ActorRef<RoomMsg>> {
  const running = chat.rooms.whereis<RoomMsg>(name);
  if (running) return running;
  const behaviour = roomBehaviour(chat);
  try {
    const started = await chat.supervisor.startChild({
      restart: 'transient',
      start: ({ system }) => spawnActor(system, behaviour, name, { name: via(chat.rooms, name) }),
    });
    return started as ActorRef<RoomMsg>;
  } catch (error) {
    // Lost the race: the winner is registered under the name (Elixir's {:already_started, pid}).
    const cause = (error as { cause?: unknown }).cause;
    if (hasCode(cause, 'ERR_ALREADY_REGISTERED')) {
      const winner = chat.rooms.whereis<RoomMsg>(name);
      if (winner) return winner;
    }
    throw error;
  }
}

/** Spawns a user's actor. */
export function connectUser(chat: Chat): Promise<ActorRef<UserMsg>> {
  return spawnActor(chat.system, user, undefined);
}

/** What {@link main} saw. */
export interface ChatStory {
  /** The same room object for both openers of "lobby". */
  sameRoom: boolean;
  /** Alice's inbox at the end. */
  alice: string[];
  /** Lobby members after Bob's actor crashed. */
  membersAfterCrash: string[];
  /** `rooms:<name>` entries as the dashboard's tree shows them. */
  treeNames: string[];
}

/** Runs the story: two users in the lobby, one crashes, the room notices; prints every line. */
export async function main(options: { print?: (line: string) => void; serve?: boolean } = {}): Promise<ChatStory> {
  const print = options.print ?? ((line: string) => console.log(line));
  const runtime = await startRuntime({
    domains: [],
    tickInterval: 'manual',
    database: ':memory:',
    server: options.serve ? { port: 0 } : false,
  });
  try {
    const chat = await startChat(runtime);
    const [lobby, again] = await Promise.all([openRoom(chat, 'lobby'), openRoom(chat, 'lobby')]);
    await openRoom(chat, 'random');
    const alice = await connectUser(chat);
    const bob = await connectUser(chat);
    await lobby.call({ type: 'join', user: alice, nick: 'alice' });
    await lobby.call({ type: 'join', user: bob, nick: 'bob' });
    lobby.cast({ type: 'say', nick: 'bob', text: 'hi all' });
    bob.kill('connection reset'); // the room gets a DOWN for bob, after bob's line
    const membersAfterCrash = await lobby.call<string[]>({ type: 'members' });
    lobby.cast({ type: 'say', nick: 'alice', text: 'bye bob' });
    await lobby.call({ type: 'members' }); // the room has handled the line: it is in alice's mailbox
    const inbox = await alice.call<string[]>({ type: 'inbox' });
    for (const line of inbox) print(line);
    const tree = chat.supervisor.tree();
    const treeNames = tree.children.flatMap((child) => child.names);
    print(`${tree.name}: ${treeNames.join(', ')}`);
    if (options.serve) {
      print(`dashboard: ${runtime.serverUrl ?? '(no server)'} (Ctrl-C to stop)`);
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
    return { sameRoom: lobby === again, alice: inbox, membersAfterCrash, treeNames };
  } finally {
    await runtime.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main({ serve: process.argv.includes('--serve') }).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
