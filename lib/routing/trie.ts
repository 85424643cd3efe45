// Prefix tries for PUB/SUB filtering (RFC 29 §"Subscription matching"):
// topics are byte prefixes; a message matches when a topic prefixes its
// first frame. PipeTrie maps prefixes to subscribed pipes (publisher side,
// like libzmq's mtrie); TopicSet counts the local subscriptions (subscriber).

import type { Pipe } from "../pipe.ts";
import { latin1 } from "../bytes.ts";

class PNode {
  children: Map<number, PNode> | null = null;
  pipes: Set<Pipe> | null = null;
}

let epoch = 0;

/** Prefix → set of pipes. */
export class PipeTrie {
  #root = new PNode();

  /** Adds; returns true when `topic` had no subscriber before. */
  add(topic: Uint8Array, pipe: Pipe): boolean {
    let n = this.#root;
    for (let i = 0; i < topic.length; i++) {
      n.children ??= new Map();
      let c = n.children.get(topic[i]);
      if (!c) n.children.set(topic[i], c = new PNode());
      n = c;
    }
    const first = n.pipes === null || n.pipes.size === 0;
    (n.pipes ??= new Set()).add(pipe);
    return first;
  }

  /** Removes; returns true when `topic` has no subscriber left (and had this one). */
  remove(topic: Uint8Array, pipe: Pipe): boolean {
    let n: PNode | undefined = this.#root;
    for (let i = 0; i < topic.length && n; i++) n = n.children?.get(topic[i]);
    if (!n || !n.pipes || !n.pipes.delete(pipe)) return false;
    return n.pipes.size === 0;
  }

  /** Removes a pipe everywhere; calls `gone` for each topic left without subscribers. */
  removePipe(pipe: Pipe, gone: (topic: Uint8Array) => void): void {
    const path: number[] = [];
    const walk = (n: PNode) => {
      if (n.pipes?.delete(pipe) && n.pipes.size === 0) gone(Uint8Array.from(path));
      if (n.children) {
        for (const [b, c] of n.children) {
          path.push(b);
          walk(c);
          path.pop();
        }
      }
    };
    walk(this.#root);
  }

  /**
   * Calls `fn` once for every pipe subscribed to a prefix of `data`; returns
   * the mark those pipes now carry (for inverted matching).
   */
  match(data: Uint8Array, fn: (pipe: Pipe) => void): number {
    const mark = ++epoch;
    let n: PNode | undefined = this.#root;
    for (let i = 0;; i++) {
      if (n.pipes !== null) {
        for (const p of n.pipes) {
          if (p.mark !== mark) {
            p.mark = mark;
            fn(p);
          }
        }
      }
      if (i >= data.length || n.children === null) return mark;
      n = n.children.get(data[i]);
      if (n === undefined) return mark;
    }
  }
}

class TNode {
  children: Map<number, TNode> | null = null;
  count = 0;
}

/** A counted set of topic prefixes. */
export class TopicSet {
  #root = new TNode();
  #topics = new Map<string, Uint8Array>();

  /** Adds one reference to `topic`; true when it is new. */
  add(topic: Uint8Array): boolean {
    let n = this.#root;
    for (let i = 0; i < topic.length; i++) {
      n.children ??= new Map();
      let c = n.children.get(topic[i]);
      if (!c) n.children.set(topic[i], c = new TNode());
      n = c;
    }
    n.count++;
    if (n.count === 1) this.#topics.set(latin1(topic), topic.slice());
    return n.count === 1;
  }

  /** Drops one reference; true when the topic is now gone. */
  remove(topic: Uint8Array): boolean {
    let n: TNode | undefined = this.#root;
    for (let i = 0; i < topic.length && n; i++) n = n.children?.get(topic[i]);
    if (!n || n.count === 0) return false;
    n.count--;
    if (n.count === 0) this.#topics.delete(latin1(topic));
    return n.count === 0;
  }

  /** True when some topic prefixes `data`. */
  matches(data: Uint8Array): boolean {
    let n: TNode | undefined = this.#root;
    for (let i = 0;; i++) {
      if (n.count > 0) return true;
      if (i >= data.length || n.children === null) return false;
      n = n.children.get(data[i]);
      if (n === undefined) return false;
    }
  }

  /** The distinct topics. */
  topics(): IterableIterator<Uint8Array> {
    return this.#topics.values();
  }
}
