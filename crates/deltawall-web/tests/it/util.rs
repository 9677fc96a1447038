//! `TestApp`: the router over a fresh database, two institutions and two supervisors, and
//! helpers to send requests as any of their users.

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use deltawall_domain::org::{BusinessType, OrgKind, Region};
use deltawall_domain::role::Role;
use deltawall_store::orgs::{self, NewOrg};
use deltawall_store::testing::TestDb;
use deltawall_store::users::{self, NewUser};
use deltawall_web::{AppState, Config, build_router};
use http_body_util::BodyExt;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use tower::ServiceExt;

/// The password of every test user.
pub const PASSWORD: &str = "correct horse battery staple";

/// Who sends a request.
#[derive(Debug, Clone)]
pub enum Who {
    /// Nobody.
    Anon,
    /// A browser session (cookie value).
    Session(String),
    /// An API token.
    Token(String),
}

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    /// The body as sent (for binary downloads).
    pub raw: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn location(&self) -> Option<&str> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }

    /// The session cookie set by this response.
    pub fn session_cookie(&self) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| c.strip_prefix("__Host-dw_session="))
            .map(|c| c.split(';').next().unwrap_or("").to_owned())
            .filter(|c| !c.is_empty())
    }
}

/// One tenant and its users' sessions by role.
#[derive(Debug, Clone)]
pub struct Tenant {
    pub org_id: String,
    pub user_ids: HashMap<Role, String>,
    pub sessions: HashMap<Role, String>,
}

impl Tenant {
    pub fn as_role(&self, role: Role) -> Who {
        Who::Session(self.sessions[&role].clone())
    }
}

pub struct TestApp {
    pub router: Router,
    pub db: TestDb,
    /// Institution A (a regional bank in Kinki).
    pub a: Tenant,
    /// Institution B (a shinkin bank in Kanto).
    pub b: Tenant,
    /// The FSA.
    pub fsa: Tenant,
    /// The Kinki local finance bureau.
    pub kinki: Tenant,
    /// The clock of the request and alert services (move it to pass a deadline).
    pub clock: deltawall_app::supervision::clock::Clock,
}

fn test_config() -> Config {
    Config {
        public_url: "http://localhost:8080".into(),
        // Uploads are spooled to anonymous files here: nothing stays behind.
        data_dir: std::env::temp_dir(),
        ..Config::default()
    }
}

impl TestApp {
    /// A fresh app with no users (for the first-run setup), and the clock its request and alert services read.
    pub async fn empty_with_clock() -> (Router, TestDb, deltawall_app::supervision::clock::Clock) {
        let db = TestDb::sqlite().await;
        let config = test_config();
        let clock = config.clock.clone();
        let state = AppState {
            store: db.store.clone(),
            config: Arc::new(config),
        };
        (build_router(state), db, clock)
    }

    /// An app over an empty database, with no tenants.
    pub async fn without_tenants() -> TestApp {
        let (router, db, clock) = TestApp::empty_with_clock().await;
        TestApp {
            router,
            db,
            clock,
            a: Tenant::blank(),
            b: Tenant::blank(),
            fsa: Tenant::blank(),
            kinki: Tenant::blank(),
        }
    }

    /// The default app: four organisations, every role in each, all signed in.
    pub async fn new() -> TestApp {
        let (router, db, clock) = TestApp::empty_with_clock().await;
        let hash = deltawall_app::platform::auth::password::hash(PASSWORD.into())
            .await
            .unwrap();
        let mut tx = db.store.write().await.unwrap();
        let org = |name: &str, kind, bt, region| NewOrg {
            name_ja: format!("{name}（日本）"),
            name_en: name.to_owned(),
            kind,
            business_type: bt,
            region,
            parent_id: None,
        };
        let specs = [
            (
                "a",
                org(
                    "Bank A",
                    OrgKind::Institution,
                    Some(BusinessType::RegionalBank),
                    Some(Region::Kinki),
                ),
            ),
            (
                "b",
                org(
                    "Shinkin B",
                    OrgKind::Institution,
                    Some(BusinessType::ShinkinBank),
                    Some(Region::Kanto),
                ),
            ),
            ("fsa", org("FSA", OrgKind::Supervisor, None, None)),
            (
                "kinki",
                org(
                    "Kinki Bureau",
                    OrgKind::Supervisor,
                    None,
                    Some(Region::Kinki),
                ),
            ),
        ];
        let mut ids = HashMap::new();
        for (key, new) in &specs {
            let org_id = orgs::create(&mut tx, new).await.unwrap();
            let mut user_ids = HashMap::new();
            for role in Role::ALL {
                let u = NewUser {
                    org_id: org_id.clone(),
                    login: format!("{key}-{}", role.code()),
                    display_name: format!("{key} {}", role.code()),
                    email: None,
                    role: *role,
                    password_hash: hash.clone(),
                    lang: None,
                };
                user_ids.insert(*role, users::create(&mut tx, &u).await.unwrap());
            }
            ids.insert(*key, (org_id, user_ids));
        }
        tx.commit().await.unwrap();
        let mut app = TestApp {
            router,
            db,
            clock,
            a: Tenant::blank(),
            b: Tenant::blank(),
            fsa: Tenant::blank(),
            kinki: Tenant::blank(),
        };
        for (key, (org_id, user_ids)) in ids {
            let mut sessions = HashMap::new();
            for role in Role::ALL {
                sessions.insert(
                    *role,
                    app.login(&format!("{key}-{}", role.code()), PASSWORD).await,
                );
            }
            let t = Tenant {
                org_id,
                user_ids,
                sessions,
            };
            match key {
                "a" => app.a = t,
                "b" => app.b = t,
                "fsa" => app.fsa = t,
                _ => app.kinki = t,
            }
        }
        app
    }

    /// Signs in and returns the session cookie; panics on failure.
    pub async fn login(&self, login: &str, password: &str) -> String {
        let r = self
            .form(
                Method::POST,
                "/login",
                &Who::Anon,
                &[("login", login), ("password", password)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "login {login}: {}", r.body);
        r.session_cookie().expect("session cookie")
    }

    /// Sends a request from 192.0.2.10.
    pub async fn send(&self, req: Request<Body>) -> Resp {
        self.send_from(req, "192.0.2.10").await
    }

    /// Sends a request from a given address.
    pub async fn send_from(&self, mut req: Request<Body>, ip: &str) -> Resp {
        let addr: SocketAddr = format!("{ip}:40000").parse().unwrap();
        req.extensions_mut().insert(ConnectInfo(addr));
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            raw: bytes.to_vec(),
        }
    }

    pub fn request(method: Method, path: &str, who: &Who) -> axum::http::request::Builder {
        let mut b = Request::builder().method(method).uri(path);
        match who {
            Who::Anon => {}
            Who::Session(s) => b = b.header(header::COOKIE, format!("__Host-dw_session={s}")),
            Who::Token(t) => b = b.header(header::AUTHORIZATION, format!("Bearer {t}")),
        }
        b
    }

    pub async fn get(&self, path: &str, who: &Who) -> Resp {
        self.send(
            TestApp::request(Method::GET, path, who)
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    pub async fn form(
        &self,
        method: Method,
        path: &str,
        who: &Who,
        fields: &[(&str, &str)],
    ) -> Resp {
        let body = serde_urlencoded::to_string(fields).unwrap();
        let req = TestApp::request(method, path, who)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin")
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    pub async fn json(
        &self,
        method: Method,
        path: &str,
        who: &Who,
        value: &serde_json::Value,
    ) -> Resp {
        let req = TestApp::request(method, path, who)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(value.to_string()))
            .unwrap();
        self.send(req).await
    }

    /// The number of audit entries, read directly from the store.
    pub async fn audit_count(&self) -> i64 {
        let mut c = self.db.store.read().await.unwrap();
        let v = deltawall_store::audit::verify(&mut c).await.unwrap();
        match v {
            deltawall_store::audit::Verification::Intact { entries } => entries,
            other => panic!("audit chain broken: {other:?}"),
        }
    }
}

impl Tenant {
    /// A tenant that does not exist (for apps built without the default organisations).
    pub fn blank() -> Tenant {
        Tenant {
            org_id: String::new(),
            user_ids: HashMap::new(),
            sessions: HashMap::new(),
        }
    }
}
