//! The drill world: a small, stateful workspace (spaces, folders, lists and
//! tasks) that an integration under test can read and change, shaped as
//! ClickUp's OpenAPI document shows these resources. Pure data: it answers a
//! status and a JSON body, and `routes` turns that into HTTP.
//!
//! The seed is fixed so that a drill repeats: one team, two spaces, three
//! folders, five lists, and 250 tasks in the first list so that paging it
//! takes three pages of [`PAGE_SIZE`].

use hyper::{Method, StatusCode};
use serde_json::{Value, json};

use super::fixtures;

/// Tasks per page of `GET /list/{id}/task`, as ClickUp pages them.
pub(super) const PAGE_SIZE: usize = 100;
/// Tasks seeded in the first list: two full pages and a half one.
const BIG_LIST_TASKS: usize = 250;
/// A fixed creation time for the seed (2025-11-24), so answers repeat.
const SEED_TIME_MS: u64 = 1_764_000_000_000;
/// The statuses every seeded list has: `(name, type, colour)`.
const STATUSES: [(&str, &str, &str); 3] =
    [("to do", "open", "#d3d3d3"), ("in progress", "custom", "#4194f6"), ("complete", "closed", "#6bc950")];

/// What the world answers: a status and a body (`None` for 204).
pub(super) type Answer = (StatusCode, Option<Value>);

#[derive(Debug)]
struct Space {
    id: String,
    name: &'static str,
}

#[derive(Debug)]
struct Folder {
    id: String,
    name: &'static str,
    space: usize,
}

#[derive(Debug)]
struct List {
    id: String,
    name: &'static str,
    space: usize,
    folder: Option<usize>,
}

#[derive(Debug)]
struct Task {
    id: String,
    list: usize,
    name: String,
    description: String,
    status: usize,
    created_ms: u64,
    updated_ms: u64,
}

/// The world's state; created by [`World::seed`], changed by the requests.
#[derive(Debug)]
pub(super) struct World {
    team_ids: Vec<String>,
    spaces: Vec<Space>,
    folders: Vec<Folder>,
    lists: Vec<List>,
    tasks: Vec<Task>,
    next_task: u64,
    next_comment: u64,
}

impl World {
    /// The fixed seed, in the first of `team_ids` (the workspaces the
    /// token reaches; the others are empty).
    pub(super) fn seed(team_ids: &[String]) -> World {
        let spaces =
            vec![Space { id: "90110".into(), name: "Engineering" }, Space { id: "90111".into(), name: "Operations" }];
        let folders = vec![
            Folder { id: "90120".into(), name: "Product", space: 0 },
            Folder { id: "90121".into(), name: "Platform", space: 0 },
            Folder { id: "90122".into(), name: "Vendors", space: 1 },
        ];
        let list = |id: &str, name, space, folder| List { id: id.into(), name, space, folder };
        let lists = vec![
            list("901100200300", "Backlog", 0, Some(0)),
            list("901100200301", "Sprint", 0, Some(0)),
            list("901100200302", "Incidents", 0, Some(1)),
            list("901100200303", "Runbooks", 1, None),
            list("901100200304", "Contracts", 1, Some(2)),
        ];
        let mut world = World {
            team_ids: team_ids.to_vec(),
            spaces,
            folders,
            lists,
            tasks: Vec::new(),
            next_task: 1,
            next_comment: 1,
        };
        for (list, count) in [(0, BIG_LIST_TASKS), (1, 5), (2, 3), (3, 2)] {
            for n in 0..count {
                let at = SEED_TIME_MS + world.next_task * 60_000;
                world.add_task(
                    list,
                    format!("Seeded task {} of {}", n + 1, world.lists[list].name),
                    String::new(),
                    n % 3,
                    at,
                );
            }
        }
        world
    }

    fn add_task(&mut self, list: usize, name: String, description: String, status: usize, at_ms: u64) -> usize {
        let id = format!("86dr{:05x}", self.next_task);
        self.next_task += 1;
        self.tasks.push(Task { id, list, name, description, status, created_ms: at_ms, updated_ms: at_ms });
        self.tasks.len() - 1
    }

    /// Answers a request for one of the world's routes, or `None` when the
    /// route is not the world's (the caller answers it as before).
    pub(super) fn answer(
        &mut self,
        method: &Method,
        segments: &[&str],
        query: Option<&str>,
        body: &[u8],
    ) -> Option<Answer> {
        Some(match (method, segments) {
            (&Method::GET, ["team", team, "space"]) => self.spaces_of(team),
            (&Method::GET, ["space", id, "folder"]) => self.folders_of(id),
            (&Method::GET, ["space", id, "list"]) => self.folderless_lists_of(id),
            (&Method::GET, ["folder", id, "list"]) => self.lists_of_folder(id),
            (&Method::GET, ["list", id]) => self.find_list(id).map_or_else(not_authorized, |l| ok(self.list_json(l))),
            (&Method::GET, ["list", id, "task"]) => self.tasks_page(id, query),
            (&Method::POST, ["list", id, "task"]) => self.create_task(id, body),
            (&Method::GET, ["task", id]) => self.find_task(id).map_or_else(not_authorized, |t| ok(self.task_json(t))),
            (&Method::PUT, ["task", id]) => self.update_task(id, body),
            (&Method::DELETE, ["task", id]) => self.delete_task(id),
            (&Method::POST, ["task", id, "comment"]) => self.comment(id, body),
            _ => return None,
        })
    }

    fn spaces_of(&self, team: &str) -> Answer {
        let Some(position) = self.team_ids.iter().position(|id| id == team) else { return not_authorized() };
        let seeded = if position == 0 { self.spaces.len() } else { 0 };
        let spaces: Vec<Value> = (0..seeded).map(|s| self.space_json(s)).collect();
        ok(json!({ "spaces": spaces }))
    }

    fn folders_of(&self, space_id: &str) -> Answer {
        let Some(space) = self.spaces.iter().position(|s| s.id == space_id) else { return not_authorized() };
        let folders: Vec<Value> =
            (0..self.folders.len()).filter(|f| self.folders[*f].space == space).map(|f| self.folder_json(f)).collect();
        ok(json!({ "folders": folders }))
    }

    fn folderless_lists_of(&self, space_id: &str) -> Answer {
        let Some(space) = self.spaces.iter().position(|s| s.id == space_id) else { return not_authorized() };
        ok(self.lists_json(|l| l.space == space && l.folder.is_none()))
    }

    fn lists_of_folder(&self, folder_id: &str) -> Answer {
        let Some(folder) = self.folders.iter().position(|f| f.id == folder_id) else { return not_authorized() };
        ok(self.lists_json(|l| l.folder == Some(folder)))
    }

    fn lists_json(&self, keep: impl Fn(&List) -> bool) -> Value {
        let lists: Vec<Value> =
            (0..self.lists.len()).filter(|l| keep(&self.lists[*l])).map(|l| self.list_json(l)).collect();
        json!({ "lists": lists })
    }

    fn find_list(&self, id: &str) -> Option<usize> {
        self.lists.iter().position(|l| l.id == id)
    }

    fn find_task(&self, id: &str) -> Option<usize> {
        self.tasks.iter().position(|t| t.id == id)
    }

    /// `GET /list/{id}/task?page=N`: page N (from 0) of [`PAGE_SIZE`] tasks
    /// and `last_page`; a page past the end is empty and last.
    fn tasks_page(&self, list_id: &str, query: Option<&str>) -> Answer {
        let Some(list) = self.find_list(list_id) else { return not_authorized() };
        let Some(page) = page_of(query) else {
            return bad_request("page must be a whole number from 0", "INPUT_001");
        };
        let in_list: Vec<usize> = (0..self.tasks.len()).filter(|t| self.tasks[*t].list == list).collect();
        let start = page.saturating_mul(PAGE_SIZE).min(in_list.len());
        let end = start.saturating_add(PAGE_SIZE).min(in_list.len());
        let tasks: Vec<Value> = in_list[start..end].iter().map(|t| self.task_json(*t)).collect();
        ok(json!({ "tasks": tasks, "last_page": end >= in_list.len() }))
    }

    /// `POST /list/{id}/task`: `name` is required (a non-empty string);
    /// `description` and `status` are optional.
    fn create_task(&mut self, list_id: &str, body: &[u8]) -> Answer {
        let Some(list) = self.find_list(list_id) else { return not_authorized() };
        let fields = match task_fields(body) {
            Ok(fields) => fields,
            Err(answer) => return answer,
        };
        let Some(name) = fields.name else { return task_name_invalid() };
        let at = now_ms();
        let task = self.add_task(list, name, fields.description.unwrap_or_default(), fields.status.unwrap_or(0), at);
        ok(self.task_json(task))
    }

    /// `PUT /task/{id}`: changes the fields given; a `name` given empty is
    /// refused as on creation.
    fn update_task(&mut self, task_id: &str, body: &[u8]) -> Answer {
        let Some(task) = self.find_task(task_id) else { return not_authorized() };
        let fields = match task_fields(body) {
            Ok(fields) => fields,
            Err(answer) => return answer,
        };
        let t = &mut self.tasks[task];
        if let Some(name) = fields.name {
            t.name = name;
        }
        if let Some(description) = fields.description {
            t.description = description;
        }
        if let Some(status) = fields.status {
            t.status = status;
        }
        t.updated_ms = now_ms();
        ok(self.task_json(task))
    }

    /// `DELETE /task/{id}`: 204 with no body, as ClickUp documents.
    fn delete_task(&mut self, task_id: &str) -> Answer {
        let Some(task) = self.find_task(task_id) else { return not_authorized() };
        self.tasks.remove(task);
        (StatusCode::NO_CONTENT, None)
    }

    /// `POST /task/{id}/comment`: `comment_text` is required; the answer is
    /// `{"id", "hist_id", "date"}` (ids as strings, date a number of ms).
    fn comment(&mut self, task_id: &str, body: &[u8]) -> Answer {
        if self.find_task(task_id).is_none() {
            return not_authorized();
        }
        let Ok(doc) = serde_json::from_slice::<Value>(body) else { return not_json() };
        if doc["comment_text"].as_str().is_none_or(|t| t.trim().is_empty()) {
            return bad_request("comment_text is required", "INPUT_004");
        }
        let n = self.next_comment;
        self.next_comment += 1;
        ok(json!({"id": (90_000_000 + n).to_string(), "hist_id": (26_000_000 + n).to_string(), "date": now_ms()}))
    }

    fn space_json(&self, space: usize) -> Value {
        let s = &self.spaces[space];
        let enabled = json!({"enabled": true});
        json!({
            "id": s.id, "name": s.name, "private": false, "color": "#536cfe", "avatar": null,
            "admin_can_manage": true, "archived": false, "members": [], "statuses": statuses_json(),
            "multiple_assignees": true,
            "features": {"due_dates": {"enabled": true, "start_date": false, "remap_due_dates": false, "remap_closed_due_date": false},
                         "time_tracking": enabled, "tags": enabled, "time_estimates": enabled, "checklists": enabled, "custom_fields": enabled}
        })
    }

    fn folder_json(&self, folder: usize) -> Value {
        let f = &self.folders[folder];
        let lists: Vec<Value> = (0..self.lists.len())
            .filter(|l| self.lists[*l].folder == Some(folder))
            .map(|l| self.list_json(l))
            .collect();
        let tasks: usize = lists.iter().filter_map(|l| l["task_count"].as_u64()).map(|n| n as usize).sum();
        json!({
            "id": f.id, "name": f.name, "orderindex": folder, "override_statuses": false, "hidden": false,
            "space": self.space_ref(f.space), "task_count": tasks.to_string(), "lists": lists
        })
    }

    fn list_json(&self, list: usize) -> Value {
        let l = &self.lists[list];
        let task_count = self.tasks.iter().filter(|t| t.list == list).count();
        json!({
            "id": l.id, "name": l.name, "orderindex": list, "content": "", "status": null, "priority": null,
            "assignee": null, "task_count": task_count, "due_date": null, "start_date": null,
            "folder": self.folder_ref(l), "space": self.space_ref(l.space), "archived": false,
            "override_statuses": false, "statuses": statuses_json(), "permission_level": "create"
        })
    }

    fn task_json(&self, task: usize) -> Value {
        let t = &self.tasks[task];
        let l = &self.lists[t.list];
        let (status, kind, color) = STATUSES[t.status];
        let closed = (kind == "closed").then(|| t.updated_ms.to_string());
        json!({
            "id": t.id, "custom_id": null, "name": t.name, "text_content": t.description, "description": t.description,
            "status": {"status": status, "color": color, "orderindex": t.status, "type": kind},
            "orderindex": format!("{task}.00000000000000000000000000000000"),
            "date_created": t.created_ms.to_string(), "date_updated": t.updated_ms.to_string(),
            "date_closed": closed, "date_done": closed, "archived": false,
            "creator": {"id": 1000001, "username": "Sandbox Service Account", "color": "#7b68ee", "profilePicture": null},
            "assignees": [], "watchers": [], "checklists": [], "tags": [], "parent": null, "priority": null,
            "due_date": null, "start_date": null, "points": null, "time_estimate": null, "custom_fields": [],
            "list": {"id": l.id, "name": l.name, "access": true},
            "project": self.folder_ref(l), "folder": self.folder_ref(l), "space": {"id": self.spaces[l.space].id},
            "url": format!("https://app.clickup.com/t/{}", t.id)
        })
    }

    fn space_ref(&self, space: usize) -> Value {
        let s = &self.spaces[space];
        json!({"id": s.id, "name": s.name, "access": true})
    }

    /// A folderless list sits in a hidden folder, as ClickUp shows it.
    fn folder_ref(&self, list: &List) -> Value {
        match list.folder {
            Some(f) => json!({"id": self.folders[f].id, "name": self.folders[f].name, "hidden": false, "access": true}),
            None => {
                json!({"id": format!("{}0", self.spaces[list.space].id), "name": "hidden", "hidden": true, "access": true})
            }
        }
    }
}

/// The task events the world produces for webhooks, most useful first:
/// a created task is new to every other event, so the integration's
/// requests about it are that event's alone.
const PRODUCED_EVENTS: [&str; 3] = ["taskCreated", "taskStatusUpdated", "taskUpdated"];
/// The first `history_items[].id` of a run's deliveries; ClickUp's are
/// long decimal strings.
const FIRST_HISTORY_ID: u64 = 2_600_000_000_000_000_001;

/// What the world changes for a webhook's events: a list, or one task when
/// the webhook filters on it, and the event it subscribed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct EventSource {
    list: usize,
    task: Option<usize>,
    event: &'static str,
}

/// One change the world made, as a webhook delivery tells it.
#[derive(Debug, Clone)]
pub(super) struct Change {
    /// The event's name.
    pub event: &'static str,
    /// The task changed.
    pub task_id: String,
    /// The `history_items[0].id`.
    pub history_id: String,
    /// The history item, ClickUp's shape.
    pub history_item: Value,
}

impl World {
    /// What the world would change for `hook` (a webhook object as listed):
    /// its location (the most specific of `task_id`, `list_id`,
    /// `folder_id`, `space_id`; none is the whole workspace, whose first
    /// list serves) and the first of [`PRODUCED_EVENTS`] it subscribes to.
    /// `None` when it subscribes to none of them or its location is not the
    /// world's.
    pub(super) fn event_source(&self, hook: &Value) -> Option<EventSource> {
        let (list, task) = self.location_of(hook)?;
        let event = PRODUCED_EVENTS
            .iter()
            .copied()
            .filter(|e| task.is_none() || *e != "taskCreated")
            .find(|e| subscribes(hook, e))?;
        Some(EventSource { list, task, event })
    }

    /// The list (and task) a webhook's location names; `None` when it is not
    /// the world's.
    fn location_of(&self, hook: &Value) -> Option<(usize, Option<usize>)> {
        if let Some(task_id) = id_text(&hook["task_id"]) {
            let task = self.find_task(&task_id)?;
            return Some((self.tasks[task].list, Some(task)));
        }
        let list = if let Some(list_id) = id_text(&hook["list_id"]) {
            self.find_list(&list_id)?
        } else if let Some(folder_id) = id_text(&hook["folder_id"]) {
            let folder = self.folders.iter().position(|f| f.id == folder_id)?;
            self.lists.iter().position(|l| l.folder == Some(folder))?
        } else if let Some(space_id) = id_text(&hook["space_id"]) {
            let space = self.spaces.iter().position(|s| s.id == space_id)?;
            self.lists.iter().position(|l| l.space == space)?
        } else {
            self.in_seeded_team(hook).then_some(0)?
        };
        Some((list, None))
    }

    /// Whether `hook` would be told of a change to task `task_id`: it
    /// subscribes to `event` and its location holds the task.
    pub(super) fn covers(&self, hook: &Value, event: &str, task_id: &str) -> bool {
        let Some(task) = self.find_task(task_id) else { return false };
        let list = &self.lists[self.tasks[task].list];
        let holds = if let Some(id) = id_text(&hook["task_id"]) {
            id == task_id
        } else if let Some(id) = id_text(&hook["list_id"]) {
            id == list.id
        } else if let Some(id) = id_text(&hook["folder_id"]) {
            list.folder.is_some_and(|f| self.folders[f].id == id)
        } else if let Some(id) = id_text(&hook["space_id"]) {
            self.spaces[list.space].id == id
        } else {
            self.in_seeded_team(hook)
        };
        subscribes(hook, event) && holds
    }

    /// Whether a webhook belongs to the workspace the world's data lives in.
    fn in_seeded_team(&self, hook: &Value) -> bool {
        hook["team_id"].as_u64().map(|n| n.to_string()).as_deref() == self.team_ids.first().map(String::as_str)
    }

    /// Makes the `n`-th change (from 0) a webhook on `source` is told of: a
    /// new task in the list for `taskCreated`, otherwise the next status of
    /// the webhook's task or of the list's `n`-th task (so each event names
    /// its own task while the list has enough). `None` when the list has no
    /// task to change.
    pub(super) fn change(&mut self, source: EventSource, n: u64) -> Option<Change> {
        let at = now_ms();
        let history_id = (FIRST_HISTORY_ID + n).to_string();
        if source.event == "taskCreated" {
            let task = self.add_task(source.list, format!("Drill event {}", n + 1), String::new(), 0, at);
            let item = history_item(&history_id, at, "task_creation", Value::Null, Value::Null, json!({}));
            return Some(Change {
                event: source.event,
                task_id: self.tasks[task].id.clone(),
                history_id,
                history_item: item,
            });
        }
        let task = match source.task {
            Some(task) => task,
            None => {
                let in_list: Vec<usize> =
                    (0..self.tasks.len()).filter(|t| self.tasks[*t].list == source.list).collect();
                *in_list.get(usize::try_from(n).ok()? % in_list.len().max(1))?
            }
        };
        let t = &mut self.tasks[task];
        let before = t.status;
        t.status = (before + 1) % STATUSES.len();
        t.updated_ms = at;
        let status_json = |s: usize| {
            let (status, kind, color) = STATUSES[s];
            json!({"status": status, "color": color, "orderindex": s, "type": kind})
        };
        let data = json!({"status_type": STATUSES[t.status].1});
        let item = history_item(&history_id, at, "status", status_json(before), status_json(t.status), data);
        Some(Change { event: source.event, task_id: t.id.clone(), history_id, history_item: item })
    }
}

/// One entry of a delivery's `history_items`, as ClickUp sends it (the
/// date a string of milliseconds), made by the sandbox's service account.
fn history_item(id: &str, at_ms: u64, field: &str, before: Value, after: Value, data: Value) -> Value {
    json!({
        "id": id, "type": 1, "date": at_ms.to_string(), "field": field, "parent_id": null, "data": data,
        "source": null,
        "user": {"id": 1000001, "username": "Sandbox Service Account", "email": "sandbox@example.com",
                 "color": "#7b68ee", "initials": "SS", "profilePicture": null},
        "before": before, "after": after
    })
}

/// Whether a webhook's `events` (`"*"` or a list of names) include `event`.
fn subscribes(hook: &Value, event: &str) -> bool {
    match &hook["events"] {
        Value::String(all) => all == "*",
        Value::Array(names) => names.iter().any(|n| n == event),
        _ => false,
    }
}

/// A location id as text: ClickUp documents strings and sends numbers too.
fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The task fields a create or update may carry, checked.
struct TaskFields {
    name: Option<String>,
    description: Option<String>,
    status: Option<usize>,
}

fn task_fields(body: &[u8]) -> Result<TaskFields, Answer> {
    let Ok(doc) = serde_json::from_slice::<Value>(body) else { return Err(not_json()) };
    if !doc.is_object() {
        return Err(not_json());
    }
    let name = match &doc["name"] {
        Value::Null => None,
        Value::String(name) if !name.trim().is_empty() => Some(name.clone()),
        _ => return Err(task_name_invalid()),
    };
    let description = doc["description"].as_str().map(str::to_owned);
    let status = match &doc["status"] {
        Value::Null => None,
        Value::String(word) => match STATUSES.iter().position(|(s, _, _)| s.eq_ignore_ascii_case(word)) {
            Some(index) => Some(index),
            None => return Err(bad_request("status must be one of: to do, in progress, complete", "INPUT_004")),
        },
        _ => return Err(bad_request("status must be a string", "INPUT_004")),
    };
    Ok(TaskFields { name, description, status })
}

/// `page` from the query: absent is 0; anything but a whole number is refused.
fn page_of(query: Option<&str>) -> Option<usize> {
    let value = query.unwrap_or_default().split('&').find_map(|pair| pair.strip_prefix("page="));
    match value {
        None => Some(0),
        Some(v) => v.parse().ok(),
    }
}

fn statuses_json() -> Value {
    STATUSES
        .iter()
        .enumerate()
        .map(|(i, (status, kind, color))| json!({"status": status, "type": kind, "orderindex": i, "color": color}))
        .collect()
}

fn ok(body: Value) -> Answer {
    (StatusCode::OK, Some(body))
}

fn bad_request(err: &str, ecode: &str) -> Answer {
    (StatusCode::BAD_REQUEST, Some(fixtures::error(err, ecode)))
}

/// 400 for a task without a usable `name` (the sandbox's wording; the
/// reference records only that `name` is required).
fn task_name_invalid() -> Answer {
    bad_request("Task name invalid", "INPUT_005")
}

fn not_json() -> Answer {
    bad_request("Body must be a JSON object", "INPUT_001")
}

/// 401 `OAUTH_027`: ClickUp's answer for an id the token cannot reach,
/// including one that does not exist.
fn not_authorized() -> Answer {
    (StatusCode::UNAUTHORIZED, Some(fixtures::error("Team not authorized", "OAUTH_027")))
}

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_big_list_pages_into_two_full_pages_and_a_last_half_one() {
        let world = World::seed(&["9012345".to_owned()]);
        let sizes: Vec<(usize, bool)> = (0..4)
            .map(|page| {
                let (status, body) = world.tasks_page("901100200300", Some(&format!("page={page}")));
                assert_eq!(status, StatusCode::OK);
                let body = body.expect("a body");
                (body["tasks"].as_array().map_or(0, Vec::len), body["last_page"] == true)
            })
            .collect();
        assert_eq!(sizes, [(100, false), (100, false), (50, true), (0, true)]);
        assert_eq!(world.tasks_page("901100200300", Some("page=x")).0, StatusCode::BAD_REQUEST);
        assert_eq!(world.tasks_page("901100200300", Some("page=-1")).0, StatusCode::BAD_REQUEST);
    }

    fn hook(events: Value, location: (&str, Value)) -> Value {
        let mut hook = json!({"team_id": 9012345, "events": events});
        hook[location.0] = location.1;
        hook
    }

    #[test]
    fn a_webhook_gets_the_first_task_event_it_subscribes_to_where_it_listens() {
        let world = World::seed(&["9012345".to_owned()]);
        let source = |events: Value, location| world.event_source(&hook(events, location));
        let on_list = ("list_id", json!("901100200301"));
        assert_eq!(source(json!("*"), on_list.clone()).map(|s| (s.list, s.event)), Some((1, "taskCreated")));
        let status_only = json!(["taskStatusUpdated", "listCreated"]);
        assert_eq!(source(status_only, on_list.clone()).map(|s| s.event), Some("taskStatusUpdated"));
        // A task filter cannot see new tasks; numbers are ids too.
        let on_task = source(json!("*"), ("task_id", json!("86dr00001"))).expect("the seeded task");
        assert_eq!((on_task.task, on_task.event), (Some(0), "taskStatusUpdated"));
        assert_eq!(source(json!("*"), ("folder_id", json!(90121))).map(|s| s.list), Some(2));
        assert_eq!(source(json!("*"), ("space_id", json!("90111"))).map(|s| s.list), Some(3));
        assert_eq!(source(json!("*"), ("team_only", Value::Null)).map(|s| s.list), Some(0));
        assert_eq!(source(json!(["listCreated"]), on_list), None, "no event the world makes");
        assert_eq!(source(json!("*"), ("list_id", json!("1"))), None, "a list the world does not have");
        let elsewhere = json!({"team_id": 9099999, "events": "*"});
        assert_eq!(world.event_source(&elsewhere), None, "another workspace");
    }

    #[test]
    fn changes_are_real_and_covered_only_where_the_webhook_listens() {
        let mut world = World::seed(&["9012345".to_owned()]);
        let list_hook = hook(json!(["taskCreated"]), ("list_id", json!("901100200301")));
        let created = world.event_source(&list_hook).and_then(|s| world.change(s, 0)).expect("a task created");
        assert_eq!(created.event, "taskCreated");
        assert!(world.find_task(&created.task_id).is_some_and(|t| world.tasks[t].list == 1));
        assert_eq!(created.history_item["id"], "2600000000000000001");
        assert!(world.covers(&list_hook, "taskCreated", &created.task_id));
        assert!(!world.covers(&list_hook, "taskUpdated", &created.task_id), "not subscribed");
        let other_list = hook(json!("*"), ("list_id", json!("901100200300")));
        assert!(!world.covers(&other_list, "taskCreated", &created.task_id));

        let task_hook = hook(json!("*"), ("task_id", json!("86dr00001")));
        let source = world.event_source(&task_hook).expect("a source");
        let moved = world.change(source, 1).expect("a status change");
        assert_eq!((moved.task_id.as_str(), moved.event), ("86dr00001", "taskStatusUpdated"));
        assert_eq!(
            (&moved.history_item["before"]["status"], &moved.history_item["after"]["status"]),
            (&json!("to do"), &json!("in progress"))
        );
        let (_, body) = world.answer(&Method::GET, &["task", "86dr00001"], None, b"").expect("a task");
        assert_eq!(body.expect("a body")["status"]["status"], "in progress");
    }
}
