//! The Delta Wall load run (issue 14), against the real `deltawall serve`:
//!
//! 1. generates, through the app's services (setup, organisations, users, edition design,
//!    enrolment, the clock), an edition of `--institutions` institutions on six tracks
//!    with `--participants` participant accounts spread over them;
//! 2. starts `deltawall serve` on that database and a loopback port;
//! 3. signs every participant in through the login form and holds one live-update
//!    stream (server-sent events) open per participant, all at once;
//! 4. releases one inject on every track through the controller's form and measures, per
//!    participant, the time from the first release request to the pulse naming its
//!    track's inject (p50, p99, max);
//! 5. with the streams still open, records responses through the form (session cookie,
//!    the cross-site check passed by the `Origin` header) from `--workers` connections for
//!    `--seconds`, and compares the count answered 303 with the count stored.
//!
//! ```text
//! cargo build --release -p deltawall-cli --bin deltawall --example exload
//! target/release/examples/exload --database-url sqlite:///tmp/exload/db.sqlite
//! ```
//!
//! The database must be empty (a new SQLite file or PostgreSQL database).

use anyhow::{Context, bail, ensure};
use clap::Parser;
use deltawall_app::exercises::{design, play};
use deltawall_app::platform::{orgs as org_svc, setup, users as user_svc};
use deltawall_app::supervision::clock::Clock;
use deltawall_app::{Ctx, actor_for};
use deltawall_demo::delta_wall::{self, BUSINESS_TYPES, TRACKS};
use deltawall_domain::role::Role;
use deltawall_domain::{Actor, OrgKind, OrgScope, Region};
use deltawall_store::Store;
use deltawall_store::exercises::play as store_play;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::{Request, StatusCode, header};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;

const PASSWORD: &str = "delta-wall-load-run-2026";

#[derive(Debug, Parser)]
struct Args {
    /// The (empty) database: `sqlite://PATH` or `postgres://…`.
    #[arg(long)]
    database_url: String,
    /// The `deltawall` binary to serve with.
    #[arg(long, default_value = "target/release/deltawall")]
    deltawall: PathBuf,
    /// Loopback address to serve on.
    #[arg(long, default_value = "127.0.0.1:18080")]
    listen: SocketAddr,
    /// Participating institutions.
    #[arg(long, default_value_t = 121)]
    institutions: usize,
    /// Participant accounts, spread over the institutions.
    #[arg(long, default_value_t = 2000)]
    participants: usize,
    /// Connections recording responses at once.
    #[arg(long, default_value_t = 32)]
    workers: usize,
    /// How long responses are recorded.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
}

/// A participant: its login, institution and track.
#[derive(Debug, Clone)]
struct Participant {
    login: String,
    track: &'static str,
}

/// What was generated.
struct Edition {
    id: String,
    participants: Vec<Participant>,
    controller: String,
}

fn ctx<'a>(store: &'a Store, actor: &'a Actor) -> Ctx<'a> {
    Ctx {
        store,
        actor,
        ip: None,
    }
}

async fn actor_of(store: &Store, user_id: &str) -> anyhow::Result<Actor> {
    let mut c = store.read().await?;
    let u = deltawall_store::users::get(&mut c, &OrgScope::All, user_id).await?;
    let o = deltawall_store::orgs::get_unscoped(&mut c, &u.org_id).await?;
    Ok(actor_for(&u, &o, None))
}

fn user_input(login: &str, role: Role) -> user_svc::UserInput {
    user_svc::UserInput {
        login: login.to_owned(),
        display_name: login.to_owned(),
        email: None,
        role,
        password: PASSWORD.to_owned(),
    }
}

/// One institution with its administrator (onboarded by the FSA) and its participants
/// (created by that administrator), all through the services.
async fn institution(
    store: Store,
    fsa_admin: Actor,
    n: usize,
    participants: usize,
) -> anyhow::Result<(String, Vec<Participant>)> {
    let bt = BUSINESS_TYPES[n % BUSINESS_TYPES.len()];
    let regions = Region::ALL;
    let input = org_svc::OrgInput {
        name_ja: format!("演習参加機関 {n:03}"),
        name_en: format!("Participant {n:03}"),
        kind: OrgKind::Institution,
        business_type: Some(bt),
        region: Some(regions[n % (regions.len() - 1)]),
        parent_id: None,
    };
    let org = org_svc::create(ctx(&store, &fsa_admin), &input).await?;
    let admin_login = format!("i{n:03}-admin");
    let admin_id = user_svc::create(
        ctx(&store, &fsa_admin),
        &org,
        &user_input(&admin_login, Role::Admin),
    )
    .await?;
    let admin = actor_of(&store, &admin_id).await?;
    let mut out = Vec::with_capacity(participants);
    for k in 0..participants {
        let login = format!("i{n:03}-p{k:02}");
        user_svc::create(ctx(&store, &admin), &org, &user_input(&login, Role::Staff)).await?;
        out.push(Participant {
            login,
            track: delta_wall::track_for(bt),
        });
    }
    Ok((org, out))
}

async fn generate(store: &Store, args: &Args) -> anyhow::Result<Edition> {
    let token = setup::issue_token(store)
        .await?
        .context("the database is not empty: the load run needs a new one")?;
    let input = setup::SetupInput {
        token,
        org_name_ja: "金融庁".into(),
        org_name_en: "Financial Services Agency".into(),
        login: "fsa-admin".into(),
        display_name: "FSA administrator".into(),
        password: PASSWORD.into(),
    };
    let fsa_admin = actor_of(store, &setup::complete(store, &input, None).await?).await?;
    let edition = design::EditionInput {
        name_ja: "金融業界横断的なサイバーセキュリティ演習（負荷試験）".into(),
        name_en: "Delta Wall load run".into(),
        held_on: deltawall_domain::jst::today(Clock::default().now_us()).to_string(),
        ends_at: "23:59".into(),
        feedback_k: 3,
        tracks: delta_wall::tracks(),
        // The first inject of every track at the start, the next ones hours later: the
        // run releases the second early.
        schedule_csv: delta_wall::schedule_csv(20, 600, 10),
    };
    let id = design::create(ctx(store, &fsa_admin), &edition).await?;
    let started = Instant::now();
    let mut set = JoinSet::new();
    let limit = Arc::new(Semaphore::new(6));
    for n in 0..args.institutions {
        let share = args.participants / args.institutions
            + usize::from(n < args.participants % args.institutions);
        let (store, admin, limit) = (store.clone(), fsa_admin.clone(), Arc::clone(&limit));
        set.spawn(async move {
            let _permit = limit.acquire_owned().await?;
            institution(store, admin, n, share).await
        });
    }
    let mut participants = Vec::new();
    while let Some(done) = set.join_next().await {
        let (org, people) = done??;
        let track = people
            .first()
            .map(|p| p.track)
            .context("an institution without participants")?;
        let enrol = design::EnrolInput {
            org_id: org,
            track: track.to_owned(),
        };
        design::enrol(ctx(store, &fsa_admin), &id, &enrol).await?;
        participants.extend(people);
    }
    play::command(ctx(store, &fsa_admin), &Clock::default(), &id, "start").await?;
    eprintln!(
        "generated {} institutions and {} participants in {:.1} s",
        args.institutions,
        participants.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(Edition {
        id,
        participants,
        controller: "fsa-admin".into(),
    })
}

/// A connection to the server.
async fn connect(addr: SocketAddr) -> anyhow::Result<SendRequest<Full<Bytes>>> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, conn) = http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    Ok(sender)
}

fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    form: Option<String>,
) -> anyhow::Result<Request<Full<Bytes>>> {
    let mut r = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, addr.to_string())
        .header(header::ORIGIN, format!("http://{addr}"));
    if let Some(c) = cookie {
        r = r.header(header::COOKIE, c);
    }
    if form.is_some() {
        r = r.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    }
    Ok(r.body(Full::new(Bytes::from(form.unwrap_or_default())))?)
}

/// Signs in through the login form; returns the session cookie. Retries while the
/// password-hashing pool is full (503).
async fn sign_in(addr: SocketAddr, login: &str) -> anyhow::Result<String> {
    for _ in 0..50 {
        let mut s = connect(addr).await?;
        let form = format!("login={login}&password={PASSWORD}");
        let res = s
            .send_request(request(addr, "POST", "/login", None, Some(form))?)
            .await?;
        let status = res.status();
        let cookie = res
            .headers()
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(str::to_owned);
        res.into_body().collect().await?;
        match (status, cookie) {
            (StatusCode::SEE_OTHER, Some(c)) => return Ok(c),
            (StatusCode::SERVICE_UNAVAILABLE, _) => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            (s, _) => bail!("sign-in of {login} answered {s}"),
        }
    }
    bail!("sign-in of {login}: the server stayed busy")
}

/// One participant's live stream: reports when it is connected (its first pulse), then
/// the instant a pulse names `target`, and holds the connection until `done`.
async fn stream(
    addr: SocketAddr,
    path: String,
    cookie: String,
    target: String,
    connected: mpsc::Sender<()>,
    delivered: mpsc::Sender<Instant>,
    mut done: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let mut s = connect(addr).await?;
    let res = s
        .send_request(request(addr, "GET", &path, Some(&cookie), None)?)
        .await?;
    ensure!(
        res.status() == StatusCode::OK,
        "events answered {}",
        res.status()
    );
    let mut body = res.into_body();
    let mut text = String::new();
    let mut first = true;
    loop {
        tokio::select! {
            frame = body.frame() => {
                let Some(frame) = frame else { bail!("the stream ended") };
                let Ok(data) = frame?.into_data() else { continue };
                text.push_str(&String::from_utf8_lossy(&data));
                while let Some(end) = text.find('\n') {
                    let line: String = text.drain(..=end).collect();
                    let Some(pulse) = line.trim_end().strip_prefix("data:") else { continue };
                    if first {
                        first = false;
                        ensure!(!pulse.contains(&target), "{target} released before the run");
                        connected.send(()).await?;
                    } else if pulse.split([':', ',']).any(|c| c.trim() == target) {
                        delivered.send(Instant::now()).await?;
                    }
                }
            }
            _ = done.changed() => return Ok(()),
        }
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Records responses from `workers` connections for `seconds`; returns (answered 303,
/// refused, latencies in ms).
async fn respond(
    addr: SocketAddr,
    exercise: &str,
    players: Vec<(String, &'static str)>,
    seconds: u64,
) -> anyhow::Result<(u64, u64, Vec<f64>, f64)> {
    let ok = Arc::new(AtomicU64::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let until = start + Duration::from_secs(seconds);
    let mut set = JoinSet::new();
    for (cookie, track) in players {
        let (ok, refused) = (Arc::clone(&ok), Arc::clone(&refused));
        let path = format!("/exercises/editions/{exercise}/responses");
        set.spawn(async move {
            let mut s = connect(addr).await?;
            let mut lat = Vec::new();
            let inject = delta_wall::inject_code(track, 1);
            while Instant::now() < until {
                let form = format!("inject={inject}&kind=decision&text=load+run+decision");
                let t = Instant::now();
                s.ready().await?;
                let res = s
                    .send_request(request(addr, "POST", &path, Some(&cookie), Some(form))?)
                    .await?;
                let status = res.status();
                res.into_body().collect().await?;
                lat.push(t.elapsed().as_secs_f64() * 1e3);
                if status == StatusCode::SEE_OTHER {
                    ok.fetch_add(1, Ordering::Relaxed);
                } else {
                    refused.fetch_add(1, Ordering::Relaxed);
                }
            }
            anyhow::Ok(lat)
        });
    }
    let mut lat = Vec::new();
    while let Some(done) = set.join_next().await {
        lat.extend(done??);
    }
    let elapsed = start.elapsed().as_secs_f64();
    lat.sort_by(f64::total_cmp);
    Ok((
        ok.load(Ordering::Relaxed),
        refused.load(Ordering::Relaxed),
        lat,
        elapsed,
    ))
}

/// The server, stopped when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn serve(args: &Args, data_dir: &std::path::Path) -> anyhow::Result<Server> {
    let child = Command::new(&args.deltawall)
        .arg("serve")
        .arg("--database-url")
        .arg(&args.database_url)
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--listen")
        .arg(args.listen.to_string())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("cannot start {}", args.deltawall.display()))?;
    let server = Server(child);
    for _ in 0..300 {
        if let Ok(mut s) = connect(args.listen).await
            && let Ok(res) = s
                .send_request(request(args.listen, "GET", "/readyz", None, None)?)
                .await
            && res.status() == StatusCode::OK
        {
            return Ok(server);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("the server did not become ready")
}

/// Signs in every participant, at most 16 at a time (the server hashes two at once and
/// queues 32).
async fn sign_in_all(addr: SocketAddr, logins: Vec<String>) -> anyhow::Result<Vec<String>> {
    let limit = Arc::new(Semaphore::new(16));
    let mut set = JoinSet::new();
    for (i, login) in logins.into_iter().enumerate() {
        let limit = Arc::clone(&limit);
        set.spawn(async move {
            let _permit = limit.acquire_owned().await?;
            anyhow::Ok((i, sign_in(addr, &login).await?))
        });
    }
    let mut cookies = Vec::new();
    while let Some(done) = set.join_next().await {
        cookies.push(done??);
    }
    cookies.sort();
    Ok(cookies.into_iter().map(|(_, c)| c).collect())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let store = Store::open(&args.database_url).await?;
    let edition = generate(&store, &args).await?;
    let data_dir = std::env::temp_dir().join(format!("exload-{}", std::process::id()));
    std::fs::create_dir_all(&data_dir)?;
    let _server = serve(&args, &data_dir).await?;
    let addr = args.listen;

    let started = Instant::now();
    let logins = edition
        .participants
        .iter()
        .map(|p| p.login.clone())
        .collect();
    let cookies = sign_in_all(addr, logins).await?;
    let controller = sign_in(addr, &edition.controller).await?;
    eprintln!(
        "signed in {} participants in {:.1} s",
        cookies.len(),
        started.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let (connected_tx, mut connected) = mpsc::channel(4096);
    let (delivered_tx, mut delivered) = mpsc::channel(4096);
    let (done_tx, done) = watch::channel(false);
    let path = format!("/exercises/editions/{}/events", edition.id);
    let mut streams = JoinSet::new();
    for (p, cookie) in edition.participants.iter().zip(&cookies) {
        let target = delta_wall::inject_code(p.track, 2);
        let task = stream(
            addr,
            path.clone(),
            cookie.clone(),
            target,
            connected_tx.clone(),
            delivered_tx.clone(),
            done.clone(),
        );
        streams.spawn(task);
        // Opened in steps, as people join, not in one burst of connects.
        if streams.len() % 100 == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let n = cookies.len();
    for i in 0..n {
        let got = tokio::time::timeout(Duration::from_secs(120), connected.recv()).await;
        if !matches!(got, Ok(Some(()))) {
            while let Some(r) = streams.try_join_next() {
                r??;
            }
            bail!("only {i} of {n} streams connected");
        }
    }
    eprintln!(
        "{n} streams connected in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    tokio::time::sleep(Duration::from_secs(3)).await;

    let mut s = connect(addr).await?;
    let t0 = Instant::now();
    for t in &TRACKS {
        let form = format!("inject={}", delta_wall::inject_code(t.code, 2));
        let release = format!("/exercises/editions/{}/releases", edition.id);
        s.ready().await?;
        let res = s
            .send_request(request(
                addr,
                "POST",
                &release,
                Some(&controller),
                Some(form),
            )?)
            .await?;
        let status = res.status();
        res.into_body().collect().await?;
        ensure!(status == StatusCode::SEE_OTHER, "release answered {status}");
    }
    let released_in = t0.elapsed().as_secs_f64() * 1e3;
    let mut lat = Vec::with_capacity(n);
    while lat.len() < n {
        match tokio::time::timeout(Duration::from_secs(30), delivered.recv()).await {
            Ok(Some(at)) => lat.push(at.duration_since(t0).as_secs_f64() * 1e3),
            _ => break,
        }
    }
    lat.sort_by(f64::total_cmp);
    println!(
        "delivery: {} of {n} participants; six releases posted in {released_in:.0} ms; \
         p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        lat.len(),
        percentile(&lat, 50.0),
        percentile(&lat, 99.0),
        lat.last().copied().unwrap_or(f64::NAN),
    );

    let players = edition
        .participants
        .iter()
        .zip(&cookies)
        .step_by((n / args.workers.max(1)).max(1))
        .take(args.workers)
        .map(|(p, c)| (c.clone(), p.track))
        .collect();
    let (ok, refused, rlat, elapsed) = respond(addr, &edition.id, players, args.seconds).await?;
    // A stream ends only when told to: one that finished failed.
    if let Some(r) = streams.try_join_next() {
        r??;
        bail!("a stream ended before the run did");
    }
    let mut c = store.read().await?;
    let stored = store_play::responses(&mut c, &edition.id, "", &OrgScope::All)
        .await?
        .len();
    drop(c);
    println!(
        "responses: {ok} recorded in {elapsed:.1} s = {:.0}/s ({refused} refused; {stored} stored); \
         latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; {} streams open throughout",
        ok as f64 / elapsed,
        percentile(&rlat, 50.0),
        percentile(&rlat, 99.0),
        rlat.last().copied().unwrap_or(f64::NAN),
        streams.len(),
    );
    ensure!(stored as u64 == ok, "{ok} answered 303 but {stored} stored");
    let _ = done_tx.send(true);
    while let Some(r) = streams.join_next().await {
        r??;
    }
    store.close().await;
    let _ = std::fs::remove_dir_all(&data_dir);
    Ok(())
}
