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
        assert!(!dead(background));
        assert!(signal_group(group, GroupSignal::Kill));
        let status = leader.wait().expect("reaped");
        assert!(status.code().is_none(), "ended by the signal: {status:?}");
        let gone = (0..100).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(10));
            dead(background)
        });
        assert!(gone, "the background child survived its group's SIGKILL");
    }
}
