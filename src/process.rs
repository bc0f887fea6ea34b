//! Child processes that must not outlive the run: each is started as the
//! leader of a process group of its own, so that it and everything it
//! starts can be signalled at once (`token_command`, the drill's command).
//!
//! Signals go through the shell's own `kill` on the negated group id: no
//! unsafe code and no extra dependency (`sh` is already required). A
//! process that leaves the group (`setsid`) is beyond reach; so is
//! everything when this process itself is killed with SIGKILL.

use std::process::{Command, Stdio};

/// A signal to send to a whole process group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupSignal {
    /// SIGTERM: asks every process to finish.
    Term,
    /// SIGKILL: ends them.
    Kill,
    /// Signal 0: delivers nothing, only tells whether any member is left.
    Probe,
}

impl GroupSignal {
    fn name(self) -> &'static str {
        match self {
            GroupSignal::Term => "TERM",
            GroupSignal::Kill => "KILL",
            GroupSignal::Probe => "0",
        }
    }
}

/// Makes `command` start as the leader of a new process group, whose id is
/// then the child's pid.
pub fn in_own_group(command: &mut Command) -> &mut Command {
    std::os::unix::process::CommandExt::process_group(command, 0)
}

/// Sends `signal` to every process of the group `leader` leads; `true` when
/// at least one received it (for [`GroupSignal::Probe`]: some member is
/// still alive). The group id stays reserved while any member lives, so a
/// group whose leader has already exited can still be reached.
pub fn signal_group(leader: u32, signal: GroupSignal) -> bool {
    Command::new("sh")
        .args(["-c", &format!("kill -s {} -- \"$0\"", signal.name()), &format!("-{leader}")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Whether any process of the group `leader` led is still alive. A dead
/// member waiting for its new parent to reap it (a zombie: it runs nothing
/// and holds nothing open) does not count; where `/proc` cannot say (not
/// Linux), the group is probed with signal 0, which counts zombies too.
pub fn group_alive(leader: u32) -> bool {
    live_in_proc(leader).unwrap_or_else(|| signal_group(leader, GroupSignal::Probe))
}

/// Reads every `/proc/PID/stat` for a live member of the group; `None`
/// when `/proc` cannot be read.
fn live_in_proc(group: u32) -> Option<bool> {
    let entries = std::fs::read_dir("/proc").ok()?;
    let group = group.to_string();
    let live =
        entries.flatten().filter(|e| e.file_name().to_string_lossy().bytes().all(|b| b.is_ascii_digit())).any(|e| {
            // `pid (comm) state ppid pgrp ...`; comm may hold spaces and parentheses.
            let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
            let fields: Vec<&str> =
                stat.rsplit_once(") ").map(|(_, rest)| rest.split(' ').collect()).unwrap_or_default();
            fields.get(2) == Some(&group.as_str()) && fields.first().is_some_and(|state| *state != "Z")
        });
    Some(live)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether a process is gone or a zombie (dead, waiting for its reaper).
    fn dead(pid: &str) -> bool {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map_or(true, |stat| stat.rsplit(") ").next().is_some_and(|rest| rest.starts_with('Z')))
    }

    #[test]
    fn a_group_and_its_background_children_are_probed_and_killed_together() {
        use std::io::BufRead;
        let mut leader = in_own_group(Command::new("sh").args(["-c", "sleep 30 & echo $!; wait"]))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("sh starts");
        let mut background = String::new();
        let stdout = leader.stdout.take().expect("piped");
        std::io::BufReader::new(stdout).read_line(&mut background).expect("the background pid");
        let background = background.trim();
        let group = leader.id();
        assert!(signal_group(group, GroupSignal::Probe), "the group exists");
        assert!(group_alive(group) && !dead(background));
        assert!(signal_group(group, GroupSignal::Kill));
        let status = leader.wait().expect("reaped");
        assert!(status.code().is_none(), "ended by the signal: {status:?}");
        let gone = (0..100).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(10));
            dead(background)
        });
        assert!(gone, "the background child survived its group's SIGKILL");
        assert!(!group_alive(group), "a zombie is not alive");
    }
}
