//! The Ponto endpoints: routing, authentication and the resources behind them.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::Utc;

use crate::dates::iso;
use crate::http::{Request, parse_form};
use crate::json::J;
use crate::paging::{self, Window};
use crate::render;
use crate::response::{ApiError, Response, oauth_error};
use crate::rng::{Rng, key};
use crate::world::{Sync, World};

/// An issued access token.
pub struct Token {
    pub org: usize,
    pub expires: Instant,
}

/// Everything a request handler may touch (locked by the caller).
pub struct Context<'a> {
    pub world: &'a mut World,
    pub tokens: &'a mut HashMap<String, Token>,
    pub base: &'a str,
    pub token_lifetime: Duration,
    pub request_id: &'a str,
    pub token_seed: u64,
}

pub fn handle(ctx: &mut Context, req: &Request) -> Response {
    let result = if req.path == "/oauth2/token" {
        Ok(token(ctx, req))
    } else if let Some(action) = req.path.strip_prefix("/admin/") {
        crate::admin::handle(ctx, req, action)
    } else {
        match authenticate(ctx, req) {
            Ok(org) => route(ctx, req, org),
            Err(e) => Err(e),
        }
    };
    result.unwrap_or_else(|e| e.into_response(ctx.request_id))
}

/// The organization behind the request's bearer token.
pub fn authenticate(ctx: &Context, req: &Request) -> Result<usize, ApiError> {
    let header = req
        .header("authorization")
        .ok_or_else(|| ApiError::unauthorized("unauthorized", "An access token is required."))?;
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .ok_or_else(|| {
            ApiError::unauthorized(
                "unauthorized",
                "The Authorization header must be 'Bearer <token>'.",
            )
        })?;
    match ctx.tokens.get(token.trim()) {
        Some(t) if t.expires > Instant::now() => Ok(t.org),
        _ => Err(ApiError::expired_token()),
    }
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for byte in text.trim_end_matches('=').bytes() {
        let value = ALPHABET.iter().position(|b| *b == byte)? as u32;
        acc = (acc << 6) | value;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

fn client_credentials(req: &Request, form: &[(String, String)]) -> Option<(String, String)> {
    if let Some(basic) = req
        .header("authorization")
        .and_then(|h| h.strip_prefix("Basic "))
    {
        let decoded = String::from_utf8(base64_decode(basic.trim())?).ok()?;
        let (id, secret) = decoded.split_once(':')?;
        return Some((id.to_string(), secret.to_string()));
    }
    let get = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    Some((get("client_id")?, get("client_secret")?))
}

/// `POST /oauth2/token` with the client credentials grant.
fn token(ctx: &mut Context, req: &Request) -> Response {
    if req.method != "POST" {
        return oauth_error(
            405,
            "invalid_request",
            "The token endpoint only accepts POST.",
        );
    }
    let mut form = parse_form(&String::from_utf8_lossy(&req.body));
    form.extend(req.query.iter().cloned());
    let grant = form
        .iter()
        .find(|(k, _)| k == "grant_type")
        .map(|(_, v)| v.as_str());
    match grant {
        None => {
            return oauth_error(
                400,
                "invalid_request",
                "The request is missing the grant_type parameter.",
            );
        }
        Some("client_credentials") => {}
        Some(_) => {
            return oauth_error(
                400,
                "unsupported_grant_type",
                "Only client_credentials is supported.",
            );
        }
    }
    let org = client_credentials(req, &form).and_then(|(id, secret)| {
        ctx.world
            .organizations
            .iter()
            .position(|o| o.client_id == id && o.client_secret == secret)
    });
    let Some(org) = org else {
        return oauth_error(
            401,
            "invalid_client",
            "Client authentication failed (unknown client or wrong secret).",
        );
    };
    let mut rng = Rng::new(key(&[
        ctx.token_seed,
        ctx.tokens.len() as u64,
        Utc::now().timestamp_micros() as u64,
    ]));
    let access_token = format!("{}.{}", rng.hex(24), rng.hex(40));
    ctx.tokens.insert(
        access_token.clone(),
        Token {
            org,
            expires: Instant::now() + ctx.token_lifetime,
        },
    );
    Response::oauth(
        200,
        &J::obj(vec![
            ("access_token", J::Str(access_token)),
            ("expires_in", J::num(ctx.token_lifetime.as_secs())),
            ("scope", J::str("ai")),
            ("token_type", J::str("bearer")),
        ]),
    )
}

fn route(ctx: &mut Context, req: &Request, org: usize) -> Result<Response, ApiError> {
    let segments: Vec<&str> = req.path.trim_matches('/').split('/').collect();
    let method = req.method.as_str();
    match (method, segments.as_slice()) {
        ("GET", ["accounts"]) => list_accounts(ctx, req, org),
        ("GET", ["accounts", id]) => {
            let index = own_account(ctx, org, id)?;
            let world = &*ctx.world;
            Ok(single(render::account(
                &world.accounts[index],
                world,
                ctx.base,
            )))
        }
        ("GET", ["accounts", id, "transactions"]) => list_transactions(ctx, req, org, id),
        ("GET", ["accounts", id, "transactions", tx]) => get_transaction(ctx, org, id, tx),
        ("GET", ["accounts", id, "pending-transactions"]) => list_pending(ctx, req, org, id),
        ("GET", ["accounts", id, "pending-transactions", tx]) => get_pending(ctx, org, id, tx),
        ("GET", ["financial-institutions"]) => list_institutions(ctx, req, org),
        ("GET", ["financial-institutions", id]) => {
            let institution = ctx
                .world
                .institutions
                .iter()
                .find(|i| i.id == *id)
                .ok_or_else(|| ApiError::not_found("financialInstitution"))?;
            Ok(single(render::institution(institution, ctx.base)))
        }
        ("POST", ["synchronizations"]) => create_synchronization(ctx, req, org),
        ("GET", ["synchronizations", id]) => get_synchronization(ctx, org, id),
        (
            "GET",
            [
                "synchronizations",
                id,
                "updated-transactions" | "updated-pending-transactions",
            ],
        ) => {
            own_sync(ctx, org, id)?;
            let request = paging::parse(&req.query)?;
            let window = paging::window(&request, 0, |_| None)?;
            let url = format!("{}{}", ctx.base, req.path);
            Ok(Response::json_api(
                200,
                &paging::collection(
                    Vec::new(),
                    window,
                    request.limit,
                    &url,
                    |_| String::new(),
                    Vec::new(),
                ),
            ))
        }
        (
            _,
            [
                "accounts" | "synchronizations" | "financial-institutions",
                ..,
            ],
        ) => Err(ApiError::new(
            405,
            "methodNotAllowed",
            "This method is not allowed on this resource.",
        )),
        _ => Err(ApiError::not_found("route")),
    }
}

fn single(resource: J) -> Response {
    Response::json_api(200, &J::obj(vec![("data", resource)]))
}

fn own_account(ctx: &Context, org: usize, id: &str) -> Result<usize, ApiError> {
    ctx.world
        .account_index(id)
        .filter(|i| ctx.world.accounts[*i].org == org)
        .ok_or_else(|| ApiError::not_found("account"))
}

fn own_sync(ctx: &Context, org: usize, id: &str) -> Result<(), ApiError> {
    match ctx.world.syncs.get(id) {
        Some(s) if ctx.world.accounts[s.account].org == org => Ok(()),
        _ => Err(ApiError::not_found("synchronization")),
    }
}

fn list_accounts(ctx: &Context, req: &Request, org: usize) -> Result<Response, ApiError> {
    let world = &*ctx.world;
    let own: Vec<usize> = (0..world.accounts.len())
        .filter(|i| world.accounts[*i].org == org)
        .collect();
    let request = paging::parse(&req.query)?;
    let window = paging::window(&request, own.len(), |id| {
        own.iter().position(|i| world.accounts[*i].id == id)
    })?;
    let data = (window.start..window.end)
        .map(|p| render::account(&world.accounts[own[p]], world, ctx.base))
        .collect();
    let url = format!("{}/accounts", ctx.base);
    let body = paging::collection(
        data,
        window,
        request.limit,
        &url,
        |p| world.accounts[own[p]].id.clone(),
        Vec::new(),
    );
    Ok(Response::json_api(200, &body))
}

fn list_institutions(ctx: &Context, req: &Request, org: usize) -> Result<Response, ApiError> {
    let world = &*ctx.world;
    let mut own: Vec<usize> = Vec::new();
    for account in world.accounts.iter().filter(|a| a.org == org) {
        if !own.contains(&account.institution) {
            own.push(account.institution);
        }
    }
    let request = paging::parse(&req.query)?;
    let window = paging::window(&request, own.len(), |id| {
        own.iter().position(|i| world.institutions[*i].id == id)
    })?;
    let data = (window.start..window.end)
        .map(|p| render::institution(&world.institutions[own[p]], ctx.base))
        .collect();
    let url = format!("{}/financial-institutions", ctx.base);
    let body = paging::collection(
        data,
        window,
        request.limit,
        &url,
        |p| world.institutions[own[p]].id.clone(),
        Vec::new(),
    );
    Ok(Response::json_api(200, &body))
}

fn sync_meta<'a>(ctx: &Context, account: usize) -> Vec<(&'a str, J)> {
    let world = &*ctx.world;
    let account = &world.accounts[account];
    vec![
        ("synchronizedAt", J::str(&account.synchronized_at)),
        (
            "latestSynchronization",
            render::latest_synchronization(account, world, ctx.base),
        ),
    ]
}

/// In the world's listing order (newest created first unless set otherwise); the
/// cursors are transaction ids, so paging follows whichever order is set.
fn list_transactions(
    ctx: &Context,
    req: &Request,
    org: usize,
    id: &str,
) -> Result<Response, ApiError> {
    let index = own_account(ctx, org, id)?;
    let world = &*ctx.world;
    let account = &world.accounts[index];
    let len = account.transaction_count();
    let request = paging::parse(&req.query)?;
    let window: Window = paging::window(&request, len, |cursor| {
        account
            .index_of(world.seed, cursor)
            .and_then(|i| world.listed_position(account, i))
    })?;
    let data = (window.start..window.end)
        .filter_map(|p| {
            let storage = world.listed_storage(account, p)?;
            let tx = world.transaction(account, storage)?;
            Some(render::transaction(
                &tx,
                account,
                ctx.base,
                "transaction",
                account.overrides.get(&storage),
            ))
        })
        .collect();
    let url = format!("{}/accounts/{}/transactions", ctx.base, account.id);
    let id_at = |p: usize| {
        world
            .listed_storage(account, p)
            .map(|s| crate::generate::tx_id(&account.context(world.seed), s))
            .unwrap_or_default()
    };
    let body = paging::collection(
        data,
        window,
        request.limit,
        &url,
        id_at,
        sync_meta(ctx, index),
    );
    Ok(Response::json_api(200, &body))
}

fn get_transaction(ctx: &Context, org: usize, id: &str, tx_id: &str) -> Result<Response, ApiError> {
    let index = own_account(ctx, org, id)?;
    let world = &*ctx.world;
    let account = &world.accounts[index];
    let storage = account
        .index_of(world.seed, tx_id)
        .ok_or_else(|| ApiError::not_found("transaction"))?;
    let tx = world
        .transaction(account, storage)
        .ok_or_else(|| ApiError::not_found("transaction"))?;
    Ok(single(render::transaction(
        &tx,
        account,
        ctx.base,
        "transaction",
        account.overrides.get(&storage),
    )))
}

fn list_pending(ctx: &Context, req: &Request, org: usize, id: &str) -> Result<Response, ApiError> {
    let index = own_account(ctx, org, id)?;
    let world = &*ctx.world;
    let account = &world.accounts[index];
    let len = account.pending.len();
    let request = paging::parse(&req.query)?;
    let window = paging::window(&request, len, |cursor| {
        account.pending_index_of(cursor).map(|i| len - 1 - i)
    })?;
    let data = (window.start..window.end)
        .map(|p| {
            render::transaction(
                &account.pending[len - 1 - p],
                account,
                ctx.base,
                "pendingTransaction",
                None,
            )
        })
        .collect();
    let url = format!("{}/accounts/{}/pending-transactions", ctx.base, account.id);
    let id_at = |p: usize| account.pending[len - 1 - p].id.clone();
    let body = paging::collection(
        data,
        window,
        request.limit,
        &url,
        id_at,
        sync_meta(ctx, index),
    );
    Ok(Response::json_api(200, &body))
}

fn get_pending(ctx: &Context, org: usize, id: &str, tx_id: &str) -> Result<Response, ApiError> {
    let index = own_account(ctx, org, id)?;
    let account = &ctx.world.accounts[index];
    let tx = account
        .pending_index_of(tx_id)
        .map(|i| &account.pending[i])
        .ok_or_else(|| ApiError::not_found("pendingTransaction"))?;
    Ok(single(render::transaction(
        tx,
        account,
        ctx.base,
        "pendingTransaction",
        None,
    )))
}

const SUBTYPES: [&str; 3] = [
    "accountDetails",
    "accountTransactions",
    "accountTransactionsWithUnsettled",
];

fn create_synchronization(
    ctx: &mut Context,
    req: &Request,
    org: usize,
) -> Result<Response, ApiError> {
    let body: serde_json::Value = serde_json::from_slice(&req.body).map_err(|e| {
        ApiError::invalid_parameter("data", &format!("The body is not valid JSON: {e}"))
    })?;
    let attributes = &body["data"]["attributes"];
    let text = |name: &str| attributes[name].as_str().filter(|s| !s.is_empty());
    if text("resourceType") != Some("account") {
        return Err(ApiError::invalid_parameter(
            "resourceType",
            "resourceType must be 'account'.",
        ));
    }
    let subtype = text("subtype")
        .filter(|s| SUBTYPES.contains(s))
        .ok_or_else(|| ApiError::invalid_parameter("subtype", "subtype must be one of accountDetails, accountTransactions, accountTransactionsWithUnsettled."))?
        .to_string();
    let ip = text("customerIpAddress")
        .ok_or_else(|| {
            ApiError::invalid_parameter("customerIpAddress", "customerIpAddress is required.")
        })?
        .to_string();
    let account = own_account(ctx, org, text("resourceId").unwrap_or_default())?;
    let cooldown = ctx.world.sync_cooldown;
    let recent = ctx.world.syncs.values().any(|s| {
        s.account == account
            && s.subtype == subtype
            && s.created.is_some_and(|c| c.elapsed() < cooldown)
    });
    if recent {
        return Err(ApiError::new(
            400,
            "accountRecentlySynchronized",
            "This type of synchronization was already created recently for the account. Try again later or on the Dashboard.",
        ));
    }
    let now = iso(Utc::now());
    let mut rng = Rng::new(key(&[ctx.token_seed, 0x5C, ctx.world.syncs.len() as u64]));
    let sync = Sync {
        id: rng.uuid(),
        account,
        subtype,
        customer_ip: Some(ip),
        created_at: now.clone(),
        updated_at: now,
        created: Some(Instant::now()),
        polls: 0,
        errors: Vec::new(),
    };
    let resource = render::synchronization(&sync, ctx.world, ctx.base);
    ctx.world.syncs.insert(sync.id.clone(), sync);
    Ok(Response::json_api(201, &J::obj(vec![("data", resource)])))
}

/// Each GET moves a new synchronization one step: pending -> running -> success.
fn get_synchronization(ctx: &mut Context, org: usize, id: &str) -> Result<Response, ApiError> {
    own_sync(ctx, org, id)?;
    let world = &mut *ctx.world;
    let Some(sync) = world.syncs.get_mut(id) else {
        return Err(ApiError::not_found("synchronization"));
    };
    if sync.polls < 2 {
        sync.polls += 1;
        sync.updated_at = iso(Utc::now());
        if sync.polls == 2 {
            let account = &mut world.accounts[sync.account];
            account.latest_sync = sync.id.clone();
            account.synchronized_at = sync.updated_at.clone();
        }
    }
    let world = &*ctx.world;
    let sync = world
        .syncs
        .get(id)
        .ok_or_else(|| ApiError::not_found("synchronization"))?;
    Ok(single(render::synchronization(sync, world, ctx.base)))
}
