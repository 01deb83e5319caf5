//! A primary-backup server: heartbeats and leases, synchronous replication, promotion and
//! stepping down. After every handler the server reports whether it now serves clients
//! (`Serving` / `Stopped`), so the checker sees serving intervals to the nanosecond; the
//! lease-end timer exists only to make that report happen at the moment the lease runs out.

use std::collections::VecDeque;

use sim::{Ctx, NodeId, Time, TimerId};

use super::node::{FailoverNode, Msg, Obs, OpKind, OpResult, Timer};
use super::{Bug, Params};

/// A server's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Serves clients (under a lease, if leases are on) and heartbeats the peer.
    Primary,
    /// Applies replicated writes and watches for heartbeats.
    Backup,
    /// A primary that met a later epoch: out of service for good.
    Deposed,
}

/// What survives a crash.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerDurable {
    /// The role (None: the initial one, by node id).
    pub role: Option<Role>,
    /// The epoch.
    pub epoch: u64,
    /// The register.
    pub value: u64,
}

#[derive(Clone, Debug)]
struct PendingWrite {
    client: NodeId,
    op: u64,
    value: u64,
}

/// A server.
#[derive(Clone, Debug)]
pub struct Server {
    peer: NodeId,
    role: Role,
    epoch: u64,
    value: u64,
    leases: bool,
    lease_local: Time,
    wait: Time,
    heartbeat_interval: Time,
    replicate_timeout: Time,
    lease_from_ack: bool,
    /// Promoted and alone: serves without a lease (the deposed peer never promotes).
    solo: bool,
    /// End of the lease on this server's clock.
    lease_until: Option<Time>,
    lease_timer: Option<TimerId>,
    queue: VecDeque<PendingWrite>,
    in_flight: Option<(u64, TimerId)>,
    next_seq: u64,
    /// Backup: the highest replication applied in this epoch (an older one arriving late
    /// must not roll the register back).
    applied: Option<(u64, u64)>,
    promote_timer: Option<TimerId>,
    reported: bool,
}

impl Server {
    /// Server `id` (0: initial primary, 1: backup), restored from `durable`.
    pub fn new(p: &Params, id: NodeId, durable: &ServerDurable) -> Server {
        let initial = if id.0 == 0 {
            Role::Primary
        } else {
            Role::Backup
        };
        Server {
            peer: NodeId(1 - id.0),
            role: durable.role.unwrap_or(initial),
            epoch: durable.epoch.max(1),
            value: durable.value,
            leases: p.leases,
            lease_local: p.primary_lease(),
            wait: p.backup_wait(),
            heartbeat_interval: p.heartbeat_interval,
            replicate_timeout: p.replicate_timeout,
            lease_from_ack: p.has(Bug::LeaseFromAck),
            // A primary restored after promotion (epoch > 1) is alone, as before the crash.
            solo: durable.role == Some(Role::Primary) && durable.epoch > 1,
            lease_until: None,
            lease_timer: None,
            queue: VecDeque::new(),
            in_flight: None,
            next_seq: 0,
            applied: None,
            promote_timer: None,
            reported: false,
        }
    }

    /// The current role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The current epoch.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The register.
    pub fn value(&self) -> u64 {
        self.value
    }

    /// True if this server may answer clients at local time `now`.
    pub fn serving(&self, now: Time) -> bool {
        self.role == Role::Primary
            && (!self.leases || self.solo || self.lease_until.is_some_and(|l| now < l))
    }

    /// Starts heartbeating (primary) or watching (backup).
    pub fn on_start(&mut self, ctx: &mut Ctx<'_, FailoverNode>) {
        // Replication numbers carry the incarnation in their high half. Numbering from 0
        // again after a restart would make the backup, which remembers the highest number it
        // applied, take the restarted primary's writes for old duplicates: it would ack them
        // without applying them, and lose acknowledged writes at the next failover.
        self.next_seq = u64::from(ctx.incarnation()) << 32;
        match self.role {
            Role::Primary => self.heartbeat(ctx),
            Role::Backup => self.arm_promotion(ctx),
            Role::Deposed => {}
        }
        self.sync(ctx);
    }

    /// Handles a message.
    pub fn on_message(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<'_, FailoverNode>) {
        match msg {
            Msg::Heartbeat { epoch, sent } => self.on_heartbeat(from, epoch, sent, ctx),
            Msg::HeartbeatAck { epoch, sent } => {
                if self.role == Role::Primary && epoch == self.epoch {
                    let start = if self.lease_from_ack { ctx.now() } else { sent };
                    let until = start + self.lease_local;
                    if self.lease_until.is_none_or(|l| until > l) {
                        self.lease_until = Some(until);
                        if let Some(t) = self.lease_timer.take() {
                            ctx.cancel_timer(t);
                        }
                        let after = Time(until.0.saturating_sub(ctx.now().0));
                        self.lease_timer = Some(ctx.set_timer(after, Timer::LeaseEnd));
                    }
                }
            }
            Msg::Nack { epoch } => {
                if epoch > self.epoch {
                    self.step_down(epoch, ctx);
                }
            }
            Msg::Replicate { epoch, seq, value } => {
                if self.role == Role::Backup && epoch >= self.epoch {
                    if self.applied.is_none_or(|a| (epoch, seq) > a) {
                        self.applied = Some((epoch, seq));
                        self.epoch = epoch;
                        self.value = value;
                        self.save(ctx);
                    }
                    ctx.send(from, Msg::ReplicateAck { epoch, seq });
                } else if epoch < self.epoch {
                    ctx.send(from, Msg::Nack { epoch: self.epoch });
                }
            }
            Msg::ReplicateAck { epoch, seq } => {
                let current = self.in_flight.is_some_and(|(s, _)| s == seq);
                if self.role == Role::Primary && epoch == self.epoch && current {
                    let (_, timer) = self.in_flight.take().expect("in flight");
                    ctx.cancel_timer(timer);
                    let w = self
                        .queue
                        .pop_front()
                        .expect("an in-flight write heads the queue");
                    self.value = w.value;
                    self.save(ctx);
                    ctx.send(
                        w.client,
                        Msg::Reply {
                            op: w.op,
                            result: OpResult::Ok,
                        },
                    );
                    self.pump(ctx);
                }
            }
            Msg::Request { op, kind } => self.on_request(from, op, kind, ctx),
            Msg::Reply { .. } => panic!("a server got a reply meant for a client"),
        }
        self.sync(ctx);
    }

    /// Handles a timer.
    pub fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<'_, FailoverNode>) {
        match timer {
            Timer::Heartbeat => {
                if self.role == Role::Primary {
                    self.heartbeat(ctx);
                }
            }
            Timer::LeaseEnd => self.lease_timer = None,
            Timer::Promote => {
                self.promote_timer = None;
                if self.role == Role::Backup {
                    self.role = Role::Primary;
                    self.epoch += 1;
                    self.solo = true;
                    self.save(ctx);
                    ctx.note(format!("promoted to primary of epoch {}", self.epoch));
                    self.heartbeat(ctx);
                }
            }
            Timer::ReplicateTimeout { seq } => {
                if self.in_flight.is_some_and(|(s, _)| s == seq) {
                    self.in_flight = None;
                    let w = self
                        .queue
                        .pop_front()
                        .expect("an in-flight write heads the queue");
                    ctx.send(
                        w.client,
                        Msg::Reply {
                            op: w.op,
                            result: OpResult::Failed,
                        },
                    );
                    self.pump(ctx);
                }
            }
            Timer::NextOp | Timer::OpTimeout { .. } => panic!("a server got a client timer"),
        }
        self.sync(ctx);
    }

    fn on_heartbeat(
        &mut self,
        from: NodeId,
        epoch: u64,
        sent: Time,
        ctx: &mut Ctx<'_, FailoverNode>,
    ) {
        if epoch < self.epoch {
            ctx.send(from, Msg::Nack { epoch: self.epoch });
            return;
        }
        match self.role {
            Role::Backup => {
                if epoch > self.epoch {
                    self.epoch = epoch;
                    self.save(ctx);
                }
                self.arm_promotion(ctx);
                ctx.send(from, Msg::HeartbeatAck { epoch, sent });
            }
            Role::Primary if epoch > self.epoch => self.step_down(epoch, ctx),
            Role::Primary => {}
            Role::Deposed => {
                if epoch > self.epoch {
                    self.epoch = epoch;
                    self.save(ctx);
                }
            }
        }
    }

    fn on_request(
        &mut self,
        client: NodeId,
        op: u64,
        kind: OpKind,
        ctx: &mut Ctx<'_, FailoverNode>,
    ) {
        if !self.serving(ctx.now()) {
            ctx.send(
                client,
                Msg::Reply {
                    op,
                    result: OpResult::NotPrimary,
                },
            );
            return;
        }
        match kind {
            OpKind::Read => ctx.send(
                client,
                Msg::Reply {
                    op,
                    result: OpResult::Value(self.value),
                },
            ),
            OpKind::Write(value) if self.solo => {
                self.value = value;
                self.save(ctx);
                ctx.send(
                    client,
                    Msg::Reply {
                        op,
                        result: OpResult::Ok,
                    },
                );
            }
            OpKind::Write(value) => {
                self.queue.push_back(PendingWrite { client, op, value });
                self.pump(ctx);
            }
        }
    }

    /// Replicates the write at the head of the queue, one at a time.
    fn pump(&mut self, ctx: &mut Ctx<'_, FailoverNode>) {
        if self.in_flight.is_some() {
            return;
        }
        let Some(w) = self.queue.front() else { return };
        let seq = self.next_seq;
        self.next_seq += 1;
        ctx.send(
            self.peer,
            Msg::Replicate {
                epoch: self.epoch,
                seq,
                value: w.value,
            },
        );
        let t = ctx.set_timer(self.replicate_timeout, Timer::ReplicateTimeout { seq });
        self.in_flight = Some((seq, t));
    }

    fn heartbeat(&mut self, ctx: &mut Ctx<'_, FailoverNode>) {
        ctx.send(
            self.peer,
            Msg::Heartbeat {
                epoch: self.epoch,
                sent: ctx.now(),
            },
        );
        ctx.set_timer(self.heartbeat_interval, Timer::Heartbeat);
    }

    fn arm_promotion(&mut self, ctx: &mut Ctx<'_, FailoverNode>) {
        if let Some(t) = self.promote_timer.take() {
            ctx.cancel_timer(t);
        }
        self.promote_timer = Some(ctx.set_timer(self.wait, Timer::Promote));
    }

    fn step_down(&mut self, epoch: u64, ctx: &mut Ctx<'_, FailoverNode>) {
        self.epoch = epoch;
        if self.role != Role::Primary {
            self.save(ctx);
            return;
        }
        self.role = Role::Deposed;
        self.save(ctx);
        ctx.note(format!("deposed by epoch {epoch}"));
        // The write in flight may have reached the backup before it took over: unknown.
        // Queued ones were never sent: definitely no effect.
        if let Some((_, t)) = self.in_flight.take() {
            ctx.cancel_timer(t);
            let w = self
                .queue
                .pop_front()
                .expect("an in-flight write heads the queue");
            ctx.send(
                w.client,
                Msg::Reply {
                    op: w.op,
                    result: OpResult::Failed,
                },
            );
        }
        for w in std::mem::take(&mut self.queue) {
            ctx.send(
                w.client,
                Msg::Reply {
                    op: w.op,
                    result: OpResult::NotPrimary,
                },
            );
        }
    }

    fn save(&self, ctx: &mut Ctx<'_, FailoverNode>) {
        ctx.persist(ServerDurable {
            role: Some(self.role),
            epoch: self.epoch,
            value: self.value,
        });
    }

    /// Reports a change of serving state.
    fn sync(&mut self, ctx: &mut Ctx<'_, FailoverNode>) {
        let now = self.serving(ctx.now());
        if now != self.reported {
            self.reported = now;
            let epoch = self.epoch;
            ctx.observe(if now {
                Obs::Serving { epoch }
            } else {
                Obs::Stopped { epoch }
            });
        }
    }
}
