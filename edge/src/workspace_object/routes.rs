//! The workspace object's HTTP routes, from the worker and from
//! conversations: each reads its request, feeds the core (or reads it)
//! and answers; `route` maps a path to its route.

use super::*;

impl WorkspaceObject {
    pub(super) async fn setup(&self, mut req: Request) -> Result<Response> {
        let body: SetupBody = http::read_json_max(&mut req, http::MAX_SETUP_BYTES).await?;
        match self
            .run(Input::Setup {
                setup: body.setup,
                fresh_ids: body.fresh_ids,
            })
            .await?
        {
            Answer::Setup(done) => json(&done),
            _ => Err(Error::Edge("setup answered something else".into())),
        }
    }

    pub(super) async fn site(&self, mut req: Request) -> Result<Response> {
        let body: SiteRequest = http::read_json(&mut req).await?;
        let (department, details) = match &body.start {
            Some(start) => {
                // A new conversation: refused while the queue is full.
                let limits = crate::limits::of(&self.env);
                self.read(|w| chat_core::limits::workspace_queue_room(w, &limits))??;
                self.read(|w| w.start_details(&body.site, start))??
            }
            None => (
                self.read(|w| w.site_department(&body.site, body.department.as_deref()))??,
                Default::default(),
            ),
        };
        let webhooks = match (&body.start, &body.workspace) {
            (Some(_), Some(slug)) => self.webhooks_known(slug).await,
            _ => None,
        };
        json(&SiteAnswer {
            department: department.0,
            details,
            webhooks,
        })
    }

    /// An administrator changed the webhooks: what is wanted now is asked
    /// of the webhook object and told to every open conversation, so that
    /// none queues what nobody wants nor misses what someone now does.
    pub(super) async fn webhooks_changed(&self, mut req: Request) -> Result<Response> {
        let body: WebhooksChanged = http::read_json(&mut req).await?;
        self.hooks.borrow_mut().take();
        let Some(known) = self.webhooks_known(&body.workspace).await else {
            return json(&serde_json::json!({ "told": 0 }));
        };
        let ids: Vec<shared::ids::ConversationId> =
            self.read(|w| w.router().conversations().cloned().collect())?;
        let told = futures_util::future::join_all(ids.iter().map(|id| async {
            let stub = crate::conversation(&self.env, &id.0)?;
            http::ask::<serde_json::Value>(&stub, "/webhooks-wanted", &known).await
        }))
        .await;
        for failed in told.iter().filter_map(|t| t.as_ref().err()) {
            // That conversation learns within the time it trusts what it knows.
            worker::console_error!("telling a conversation of the webhooks failed: {failed}");
        }
        json(&serde_json::json!({ "told": told.iter().filter(|t| t.is_ok()).count() }))
    }

    /// What new conversations are told of the workspace's webhooks: asked
    /// of the webhook object when what is known is not fresh (or was
    /// forgotten because an administrator changed them). `None` when the
    /// asking failed: the conversation then queues its first changes.
    pub(super) async fn webhooks_known(&self, slug: &str) -> Option<chat_core::webhooks::Known> {
        let now = http::now();
        let known = self.hooks.borrow().clone().filter(|k| k.fresh(now));
        if known.is_some() {
            return known;
        }
        match crate::webhooks::wanted(&self.env, slug).await {
            Ok(wanted) => {
                let known = chat_core::webhooks::Known { wanted, at: now };
                *self.hooks.borrow_mut() = Some(known.clone());
                Some(known)
            }
            Err(e) => {
                worker::console_error!("asking for the webhooks wanted failed: {e}");
                None
            }
        }
    }

    /// A site's settings, its origins and secret included (for the
    /// worker's checks only).
    /// Whether a conversation may ring a call (its site and department),
    /// with its STUN and TURN settings: asked by the conversation object.
    pub(super) async fn call_policy(&self, mut req: Request) -> Result<Response> {
        let ask: shared::call::CallPolicyRequest = http::read_json(&mut req).await?;
        json(&self.read(|w| w.call_policy(&ask))?)
    }

    pub(super) async fn site_options(&self, mut req: Request) -> Result<Response> {
        let body: crate::visitor::SiteOf = http::read_json(&mut req).await?;
        json(&self.read(|w| w.site_options(&body.site).cloned())??)
    }

    /// What the widget draws (`GET /api/v1/visitor/site`).
    pub(super) async fn site_config(&self, mut req: Request) -> Result<Response> {
        let body: crate::visitor::SiteOf = http::read_json(&mut req).await?;
        json(&self.read(|w| w.site_config(&body.site, &body.key, http::now()))??)
    }

    /// A department's name and clock, for a visitor's transcript.
    pub(super) async fn department_clock(&self, mut req: Request) -> Result<Response> {
        let department: String = http::read_json(&mut req).await?;
        json(&self.read(|w| w.department_clock(&department))?)
    }

    pub(super) async fn login(&self, mut req: Request) -> Result<Response> {
        let body: Credentials = http::read_json(&mut req).await?;
        // While the account's growing delay runs, no password is checked.
        let failures = sign_in::check(&self.sql(), &crate::limits::of(&self.env), &body.email)?;
        let found = self.read(|w| {
            w.person_by_email(&body.email).map(|p| StoredLogin {
                profile: p.profile(),
                password_hash: p.password_hash.clone(),
                generation: p.generation,
                active: p.active,
                failures,
            })
        })?;
        json(&found.or_refuse(ErrorCode::BadCredentials, "wrong email or password")?)
    }

    pub(super) async fn asking(req: &mut Request) -> Result<Asking> {
        http::read_json(req).await
    }

    pub(super) async fn whoami(&self, mut req: Request) -> Result<Response> {
        let body = Self::asking(&mut req).await?;
        let profile = self.read(|w| w.authenticate(&body.who).map(|p| p.profile()))??;
        json(&profile)
    }

    /// Whether the token's person may manage the workspace: their profile,
    /// or the refusal.
    pub(super) async fn admin_check(&self, mut req: Request) -> Result<Response> {
        let body = Self::asking(&mut req).await?;
        let profile = self.read(|w| w.administrator(&body.who).map(|p| p.profile()))??;
        json(&profile)
    }

    /// An administrator's read or change (the core checks the person on
    /// every request).
    pub(super) async fn admin(&self, mut req: Request, what: &str) -> Result<Response> {
        let body: AdminAsk = http::read_json_max(&mut req, http::MAX_SETUP_BYTES).await?;
        match what {
            "settings" => json(&self.read(|w| w.settings(&body.who, &body.workspace))??),
            "people" => json(&self.read(|w| w.people_list(&body.who))??),
            "invitations" => json(&self.read(|w| w.invitations(&body.who))??),
            "api-tokens" => json(&self.read(|w| w.api_tokens(&body.who))??),
            "audit" => {
                self.read(|w| w.administrator(&body.who).map(|_| ()))??;
                json(&store::audit(&self.sql(), &body.query.unwrap_or_default())?)
            }
            _ => {
                let change = body
                    .change
                    .or_refuse(ErrorCode::BadRequest, "no change named")?;
                let answer = self
                    .run(Input::Admin {
                        who: body.who,
                        workspace: body.workspace,
                        change,
                    })
                    .await?;
                answer_json(answer)
            }
        }
    }

    /// A change made in another object, for the audit log.
    pub(super) async fn audit_append(&self, mut req: Request) -> Result<Response> {
        let record: AuditRecord = http::read_json(&mut req).await?;
        self.run(Input::Record(record)).await?;
        json(&serde_json::json!({}))
    }

    /// A new workspace by sign-up.
    pub(super) async fn sign_up(&self, mut req: Request) -> Result<Response> {
        let body: SetupBody = http::read_json_max(&mut req, http::MAX_SETUP_BYTES).await?;
        let answer = self
            .run(Input::SignUp {
                setup: body.setup,
                fresh_ids: body.fresh_ids,
            })
            .await?;
        answer_json(answer)
    }

    pub(super) async fn invitation_info(&self, mut req: Request) -> Result<Response> {
        let body: LinkAsk = http::read_json(&mut req).await?;
        json(&self.read(|w| w.invitation_info(&body.token, &body.workspace, http::now()))??)
    }

    pub(super) async fn redeem(&self, mut req: Request) -> Result<Response> {
        let body: Redeem = http::read_json(&mut req).await?;
        answer_json(self.run(Input::Redeem(body)).await?)
    }

    pub(super) async fn api_token(&self, mut req: Request) -> Result<Response> {
        let body: ApiUse = http::read_json(&mut req).await?;
        answer_json(
            self.run(Input::UseApiToken {
                token: body.token,
                scope: body.scope,
            })
            .await?,
        )
    }

    /// The workspace's systems act (an API close or tags).
    pub(super) async fn api_act(&self, mut req: Request) -> Result<Response> {
        let body: crate::integration_api::SystemAsk = http::read_json(&mut req).await?;
        match self
            .run(Input::System {
                token: body.token,
                action: body.action,
            })
            .await?
        {
            Answer::Conversation(summary) => json(&summary),
            _ => Err(Error::Edge(
                "a system action answered something else".into(),
            )),
        }
    }

    /// The open conversations an API listing admits.
    pub(super) async fn api_open(&self, mut req: Request) -> Result<Response> {
        let query: chat_core::integration::ListQuery = http::read_json(&mut req).await?;
        json(&self.read(|w| w.listed_open(&query))?)
    }

    /// A conversation's line, open or closed, if it is this workspace's.
    pub(super) async fn api_summary(&self, mut req: Request) -> Result<Response> {
        let id: ConversationId = http::read_json(&mut req).await?;
        let listed = self.read(|w| w.summary(&id).cloned())?;
        let summary = match listed {
            Some(s) => Some(s),
            None => store::summary(&self.sql(), &id)?,
        };
        json(&summary)
    }

    /// What an API token may do with contacts.
    pub(super) async fn api_contacts_access(&self, mut req: Request) -> Result<Response> {
        let body: crate::integration_api::ContactsAccess = http::read_json(&mut req).await?;
        if let Some(site) = &body.site {
            if !self.read(|w| w.has_site(site))? {
                return Err(Error::refused(
                    ErrorCode::BadRequest,
                    "site is not a site of this workspace",
                ));
            }
        }
        json(&self.read(|w| w.system_contacts_access(&body.token, &body.asked, body.may_edit))??)
    }

    pub(super) async fn act(&self, mut req: Request) -> Result<Response> {
        let body = Self::asking(&mut req).await?;
        let action = body
            .action
            .or_refuse(ErrorCode::BadRequest, "no action named")?;
        let take = matches!(action, AgentAction::Take { .. });
        match self
            .run(Input::Act {
                who: body.who,
                action,
            })
            .await?
        {
            Answer::Conversation(conversation) if take => {
                json(&shared::api::Taken { conversation })
            }
            Answer::Conversation(summary) => json(&summary),
            Answer::Canned(canned) => json(&canned),
            _ => json(&serde_json::json!({ "ok": true })),
        }
    }

    pub(super) async fn preferences(&self, mut req: Request) -> Result<Response> {
        let body = Self::asking(&mut req).await?;
        json(&self.read(|w| w.preferences(&body.who))??)
    }

    pub(super) async fn canned(&self, mut req: Request) -> Result<Response> {
        let body = Self::asking(&mut req).await?;
        json(&self.read(|w| w.canned_for(&body.who))??)
    }

    pub(super) async fn open(&self, mut req: Request) -> Result<Response> {
        let body = Self::asking(&mut req).await?;
        let conversation = body
            .conversation
            .or_refuse(ErrorCode::NotFound, "no such conversation")?;
        let open = self.read(|w| w.summary(&conversation).is_some())?;
        let stored = if open {
            None
        } else {
            store::summary(&self.sql(), &conversation)?
        };
        match self
            .run(Input::Open {
                who: body.who,
                conversation,
                stored,
            })
            .await?
        {
            Answer::Opened(o) => json(&OpenAnswer {
                who: o.who,
                access: o.access,
                priority: o.priority,
            }),
            _ => Err(Error::Edge("open answered something else".into())),
        }
    }

    /// Whether an agent may have a transcript (a PDF when `pdf`).
    pub(super) async fn transcript_access(&self, mut req: Request, pdf: bool) -> Result<Response> {
        let body = Self::asking(&mut req).await?;
        let conversation = body
            .conversation
            .or_refuse(ErrorCode::NotFound, "no such conversation")?;
        let listed = self.read(|w| w.summary(&conversation).cloned())?;
        let summary = match listed {
            Some(s) => s,
            None => store::summary(&self.sql(), &conversation)?
                .or_refuse(ErrorCode::NotFound, "no such conversation")?,
        };
        json(&self.read(|w| w.transcript_access(&body.who, &summary, pdf))??)
    }

    /// The local mail sink: keeps an email the worker would have sent.
    pub(super) async fn mail_sink(&self, mut req: Request) -> Result<Response> {
        let mail: crate::transcripts::SentMail = http::read_json(&mut req).await?;
        store::keep_mail(&self.sql(), &mail)?;
        json(&serde_json::json!({ "ok": true }))
    }

    pub(super) async fn mail_sink_read(&self) -> Result<Response> {
        json(&store::kept_mail(&self.sql())?)
    }

    pub(super) async fn history(&self, mut req: Request) -> Result<Response> {
        let body = Self::asking(&mut req).await?;
        let id = body
            .conversation
            .or_refuse(ErrorCode::NotFound, "no such conversation")?;
        let sql = self.sql();
        let about = match self.read(|w| w.summary(&id).cloned())? {
            Some(s) => s,
            None => {
                store::summary(&sql, &id)?.or_refuse(ErrorCode::NotFound, "no such conversation")?
            }
        };
        let all = store::contact(&sql, &about.visitor.id)?;
        let visible: Vec<ConversationSummary> =
            self.read(|w| w.history(&body.who, &about, all))??;
        json(&visible)
    }

    /// What an agent may do with contacts ([`Workspace::contacts_access`]).
    pub(super) async fn contacts_access(&self, mut req: Request) -> Result<Response> {
        let body: crate::contacts_api::ContactsAsk = http::read_json(&mut req).await?;
        let stored = match &body.asked.conversation {
            Some(id) if self.read(|w| w.summary(id).is_none())? => store::summary(&self.sql(), id)?,
            _ => None,
        };
        json(&self.read(|w| w.contacts_access(&body.who, &body.asked, stored))??)
    }

    pub(super) async fn directory(&self, mut req: Request) -> Result<Response> {
        let body = Self::asking(&mut req).await?;
        json(&self.read(|w| w.directory(&body.who))??)
    }

    pub(super) async fn all_chats(&self, mut req: Request) -> Result<Response> {
        let body = Self::asking(&mut req).await?;
        json(&self.read(|w| w.all_chats(&body.who))??)
    }

    pub(super) async fn offline_messages(&self, mut req: Request) -> Result<Response> {
        let body = Self::asking(&mut req).await?;
        let departments = self.read(|w| w.offline_departments(&body.who))??;
        json(&store::offline_messages(
            &self.sql(),
            departments.as_deref(),
        )?)
    }

    pub(super) async fn availability(&self, mut req: Request) -> Result<Response> {
        let body: SiteVisitor = http::read_json(&mut req).await?;
        let answer: Availability = self.read(|w| w.availability(&body.site, http::now()))??;
        json(&answer)
    }

    pub(super) async fn leave_offline(&self, mut req: Request) -> Result<Response> {
        let body: SiteVisitor = http::read_json(&mut req).await?;
        let message = body
            .message
            .or_refuse(ErrorCode::BadRequest, "a message is required")?;
        if let Some((slug, _)) = message.site_key.split_once('.') {
            *self.slug.borrow_mut() = Some(slug.to_owned());
        }
        self.run(Input::LeaveOffline {
            site: body.site,
            message,
            id: crate::auth::new_id("o"),
        })
        .await?;
        self.hand_off_events().await;
        json(&serde_json::json!({ "ok": true }))
    }

    pub(super) async fn queue_position(&self, mut req: Request) -> Result<Response> {
        let body: QueueRequest = http::read_json(&mut req).await?;
        json(&self.read(|w| w.queue_position(&body.visitor_id, &body.conversation_id))??)
    }

    pub(super) async fn announce(&self, mut req: Request) -> Result<Response> {
        let summary: ConversationSummary = http::read_json(&mut req).await?;
        let queue = match self.run(Input::Announce(summary)).await? {
            Answer::Announced(queue) => queue,
            _ => None,
        };
        json(&Announced { ok: true, queue })
    }

    pub(super) async fn reroute(&self, mut req: Request) -> Result<Response> {
        let summary: ConversationSummary = http::read_json(&mut req).await?;
        self.run(Input::VisitorWrote(summary.id)).await?;
        json(&serde_json::json!({ "ok": true }))
    }

    /// An agent's inbox socket: accepted, numbered, then the core decides
    /// (a stale token closes it at once).
    pub(super) async fn inbox(&self, req: Request) -> Result<Response> {
        let who: Principal = http::header(&req, http::AGENT_HEADER)
            .or_refuse(ErrorCode::Unauthorized, "no agent")?;
        let pair = WebSocketPair::new()?;
        // Tagged with the agent's id, so their sockets are found together.
        self.state
            .accept_websocket_with_tags(&pair.server, &[who.agent.as_str()]);
        let socket = InboxSocket {
            socket: crate::auth::new_conn_id(),
            who,
        };
        pair.server.serialize_attachment(&socket)?;
        self.ensure_loaded()?;
        self.sockets
            .borrow_mut()
            .insert(socket.socket, pair.server.clone());
        self.run(Input::InboxOpened(socket)).await?;
        Ok(Response::from_websocket(pair.client)?)
    }

    pub(super) async fn inbox_gone(&self, ws: &WebSocket) -> Result<()> {
        if let Ok(Some(att)) = ws.deserialize_attachment::<InboxSocket>() {
            self.sockets.borrow_mut().remove(&att.socket);
            self.run(Input::InboxClosed(att.socket)).await?;
        }
        Ok(())
    }

    /// Whether this workspace was ever set up (its tables exist): a name
    /// nobody created must not get storage by being asked for.
    pub(super) fn exists(&self) -> Result<bool> {
        if self.core.borrow().is_some() {
            return Ok(true);
        }
        #[derive(Deserialize)]
        struct Count {
            n: i64,
        }
        let tables = self
            .sql()
            .exec(
                "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'agents'",
                None,
            )?
            .one::<Count>()?;
        Ok(tables.n > 0)
    }

    pub(super) async fn route(&self, req: Request) -> Result<Response> {
        // A workspace is made by a setup or a sign-up only. Asked anything
        // else, a name nobody set up answers as an empty workspace would,
        // and writes nothing: no sign-in (the same words as a wrong
        // password, so sign-in tells no one which workspaces exist), no
        // site, no route.
        match req.path().as_str() {
            "/stored" => return http::stored_tables(&self.sql()),
            "/rows" => return json(&serde_json::json!({ "rows_written": self.sql.written() })),
            _ => {}
        }
        if !self.exists()? {
            match req.path().as_str() {
                "/setup" | "/signup" => {}
                "/hashes" => return json(&PasswordHashes::new()),
                "/login" => {
                    return Err(Error::refused(
                        ErrorCode::BadCredentials,
                        "wrong email or password",
                    ))
                }
                "/login-failed" | "/login-succeeded" => return json(&serde_json::json!({})),
                _ => return Err(Error::refused(ErrorCode::NotFound, "no such workspace")),
            }
        }
        // Every route reads storage: the tables and the core come first.
        self.ensure_loaded()?;
        match req.path().as_str() {
            "/setup" => self.setup(req).await,
            "/hashes" => json(&store::password_hashes(&self.sql())?),
            "/site" => self.site(req).await,
            "/webhooks-changed" => self.webhooks_changed(req).await,
            "/site-options" => self.site_options(req).await,
            "/site-config" => self.site_config(req).await,
            "/department-clock" => self.department_clock(req).await,
            "/login" => self.login(req).await,
            "/login-failed" => self.sign_in_failed(req).await,
            "/login-succeeded" => self.sign_in_succeeded(req).await,
            "/agent" => self.whoami(req).await,
            "/admin/check" => self.admin_check(req).await,
            "/admin/audit-append" => self.audit_append(req).await,
            "/admin/settings" => self.admin(req, "settings").await,
            "/admin/people" => self.admin(req, "people").await,
            "/admin/invitations" => self.admin(req, "invitations").await,
            "/admin/api-tokens" => self.admin(req, "api-tokens").await,
            "/admin/audit" => self.admin(req, "audit").await,
            "/admin/change" => self.admin(req, "change").await,
            "/signup" => self.sign_up(req).await,
            "/invitation-info" => self.invitation_info(req).await,
            "/redeem" => self.redeem(req).await,
            "/api-token" => self.api_token(req).await,
            "/api-act" => self.api_act(req).await,
            "/api-open" => self.api_open(req).await,
            "/api-summary" => self.api_summary(req).await,
            "/api-directory" => json(&self.read(|w| w.listing())?),
            "/api-contacts-access" => self.api_contacts_access(req).await,
            "/api-offline-messages" => json(&store::offline_messages(&self.sql(), None)?),
            "/open" => self.open(req).await,
            "/act" => self.act(req).await,
            "/directory" => self.directory(req).await,
            "/all-chats" => self.all_chats(req).await,
            "/transcript-access/pdf" => self.transcript_access(req, true).await,
            "/transcript-access/email" => self.transcript_access(req, false).await,
            "/mail-sink" => self.mail_sink(req).await,
            "/mail-sink/read" => self.mail_sink_read().await,
            "/canned" => self.canned(req).await,
            "/preferences" => self.preferences(req).await,
            "/file-policy" => json(&self.read(|w| w.file_policy().clone())?),
            "/call-policy" => self.call_policy(req).await,
            "/availability" => self.availability(req).await,
            "/offline" => self.leave_offline(req).await,
            "/offline-messages" => self.offline_messages(req).await,
            "/history" => self.history(req).await,
            "/contacts-access" => self.contacts_access(req).await,
            "/queue-position" => self.queue_position(req).await,
            "/announce" => self.announce(req).await,
            "/reroute" => self.reroute(req).await,
            "/inbox" => self.inbox(req).await,
            _ => Err(Error::refused(ErrorCode::NotFound, "no such route")),
        }
    }
}
