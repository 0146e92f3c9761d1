"""Registration agents: the organisations, their staff, who may act for which agent, and the first-password link.

An agent's staff act only for their own agent: another agent's id answers 404 (`agent_not_found`), as if it did not
exist, so ids cannot be probed. The operator reads every agent. Accounts an agent opens (its staff, the technicians
and business admins it registers) get an unusable random password and a one-time link by mail to set their own: the
agent never knows a password (docs/agents.md)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from api import db
from api.accounts.models import Account, PasswordResetToken, Role
from api.accounts.service import create_account
from api.accounts.credentials import token_digest
from api.agents.models import AgentFiling, AgentKind, AgentStaff, RegistrationAgent
from api.agents.schemas import AgentIn, AgentOut, StaffIn, StaffOut
from api.audit import service as audit
from api.errors import Conflict, Forbidden, NotFound
from api.mail.service import deliver_all, queue_mail, register_link
from api.recovery.service import reset_token, reset_url
from api.settings import Settings
from api.timeutil import JST

from tortoise.exceptions import IntegrityError
from tortoise.timezone import now
from tortoise.transactions import in_transaction


def unusable_password(login: str | None = None) -> str:
    """A random password nobody is told: the account opens only through the mailed link."""
    while True:
        candidate = secrets.token_urlsafe(32)
        if not login or login.lower() not in candidate.lower():
            return candidate


async def create_agent(*, actor: Account, data: AgentIn) -> tuple[RegistrationAgent, Account]:
    if await RegistrationAgent.filter(name=data.name).exists():
        raise _name_taken()
    try:
        async with in_transaction("default"):  # a savepoint: the unique name decides between two at once
            agent = await RegistrationAgent.create(
                name=data.name,
                kind=AgentKind(data.kind),
                prefecture=data.prefecture,
                corporate_number=data.corporate_number,
                created_by_id=actor.id,
            )
    except IntegrityError:
        raise _name_taken() from None
    staff = await add_staff(actor=actor, agent=agent, data=data.staff)
    await audit.record(
        actor=actor, action="agent.create", entity_type="registration_agent", entity_id=agent.id, after=_audit(agent)
    )
    return agent, staff


def _name_taken() -> Conflict:
    return Conflict("A registration agent with this name exists already.", code="agent_name_taken")


def _audit(agent: RegistrationAgent) -> dict:
    return {"name": agent.name, "kind": agent.kind.value, "prefecture": agent.prefecture, "active": agent.active}


async def set_active(*, actor: Account, agent: RegistrationAgent, active: bool) -> RegistrationAgent:
    before = _audit(agent)
    agent.active = active
    await agent.save(update_fields=["active"])
    await audit.record(
        actor=actor,
        action="agent.activate" if active else "agent.suspend",
        entity_type="registration_agent",
        entity_id=agent.id,
        before=before,
        after=_audit(agent),
    )
    return agent


async def add_staff(*, actor: Account, agent: RegistrationAgent, data: StaffIn) -> Account:
    account = await create_account(
        login=data.login,
        password=unusable_password(data.login),
        role=Role.registration_agent,
        display_name=data.display_name,
        email=data.email,
        must_change_password=True,
    )
    await AgentStaff.create(agent=agent, account=account)
    await send_setup_link(account=account)
    return account


async def list_agents() -> list[RegistrationAgent]:
    return await RegistrationAgent.all().order_by("id")


async def agent_out(agent: RegistrationAgent) -> AgentOut:
    return AgentOut(
        id=agent.id,
        name=agent.name,
        kind=agent.kind.value,
        prefecture=agent.prefecture,
        corporate_number=agent.corporate_number,
        active=agent.active,
        staff=await AgentStaff.filter(agent=agent).count(),
        filings=await AgentFiling.filter(agent=agent).count(),
    )


async def staff_of(agent: RegistrationAgent) -> list[StaffOut]:
    rows = await AgentStaff.filter(agent=agent).select_related("account").order_by("id")
    return [
        StaffOut(id=r.account.id, login=r.account.login, display_name=r.account.display_name, email=r.account.email)
        for r in rows
    ]


async def get_agent(*, pk: int) -> RegistrationAgent:
    agent = await RegistrationAgent.get_or_none(id=pk)
    if agent is None:
        raise _no_agent()
    return agent


def _no_agent() -> NotFound:
    return NotFound("No such registration agent.", code="agent_not_found")


async def visible_agent(*, actor: Account, pk: int) -> RegistrationAgent:
    """The agent `pk` for the operator, or for one of its own staff; anyone else is told it does not exist."""
    if actor.role is Role.operator:
        return await get_agent(pk=pk)
    return await own_agent(actor=actor, pk=pk)


async def my_agent(*, actor: Account) -> RegistrationAgent:
    staff = await AgentStaff.get_or_none(account_id=actor.id).select_related("agent")
    if staff is None:
        raise _no_agent()
    return await own_agent(actor=actor, pk=staff.agent.id)


async def own_agent(*, actor: Account, pk: int) -> RegistrationAgent:
    """The agent `pk` when `actor` is one of its staff and it is active (a suspended agent files nothing)."""
    staff = await AgentStaff.get_or_none(account_id=actor.id).select_related("agent")
    if actor.role is not Role.registration_agent or staff is None or staff.agent.id != pk:
        raise _no_agent()
    if not staff.agent.active:
        raise Forbidden("This registration agent is suspended; ask the operator.", code="agent_suspended")
    return staff.agent


# --- the first-password link ------------------------------------------------------------------------------------------

_SUBJECT = "【OpenCCUS】パスワード設定のご案内"
_BODY = """{name} 様

{opener}、OpenCCUS（建設キャリアアップシステム）のログインID「{login}」を用意しました。
次のリンクを開き、ご自身でパスワードを設定してください。パスワードは窓口の担当者にも知らされません。

{{reset_url}}

・このリンクは {expires}（日本時間）まで、1回だけ使えます。
・期限が過ぎた場合は、ログイン画面の「パスワードを忘れた方」から新しいリンクを申請してください。
・お心当たりのない場合は、このメールを破棄してください。"""


async def send_setup_link(*, account: Account) -> None:
    """After the request commits, a job makes the one-time token and mails its link (api/agents/jobs.py)."""
    request_key = secrets.token_hex(16)
    await db.defer_job("account_setup_mail", account.id, request_key, job_id=f"account-setup:{request_key}")


def _setup_key(request_key: str) -> str:
    return f"setup-{request_key}"


async def _setup_url(settings: Settings, mail) -> str:
    _, request_key, account_id = mail.dedupe_key.split(":")
    return reset_url(settings, reset_token(settings, request_key=_setup_key(request_key), account_id=int(account_id)))


register_link("account_setup", _setup_url)


async def mail_setup_link(*, settings: Settings, account_id: int, request_key: str) -> int:
    """One token and one mail per request key: a job that runs twice sends the same link once."""
    account = await Account.get_or_none(id=account_id)
    if account is None or not account.is_active or not account.email:
        return 0
    key = f"{_setup_key(request_key)}:{account.id}"
    row = await PasswordResetToken.get_or_none(request_key=key)
    if row is None:
        token = reset_token(settings, request_key=_setup_key(request_key), account_id=account.id)
        try:
            row = await PasswordResetToken.create(
                account=account,
                request_key=key,
                token_hash=token_digest(token),
                expires_at=now() + timedelta(hours=settings.account_setup_hours),
            )
        except IntegrityError:  # the same job, running twice at once
            row = await PasswordResetToken.get(request_key=key)
    opener = await _opener(account)
    expires = row.expires_at.astimezone(JST)
    mail = await queue_mail(
        account=account,
        to=account.email,
        kind="account_setup",
        subject=_SUBJECT,
        body=_BODY.format(
            name=account.display_name, opener=opener, login=account.login, expires=f"{expires:%Y年%m月%d日 %H:%M}"
        ),
        dedupe_key=f"account-setup:{request_key}:{account.id}",
    )
    return await deliver_all(settings, [mail])


async def _opener(account: Account) -> str:
    """Who opened the account, as the mail names it."""
    staff = await AgentStaff.get_or_none(account_id=account.id).select_related("agent")
    if staff is not None:
        return f"{staff.agent.name} の代行登録担当者として、運営主体が"
    filing = (
        await (
            AgentFiling.filter(technician_id=account.technician_id)  # type: ignore[attr-defined]
            if account.technician_id  # type: ignore[attr-defined]
            else AgentFiling.filter(business_id=account.business_id)  # type: ignore[attr-defined]
        )
        .select_related("agent")
        .first()
    )
    return f"{filing.agent.name} が登録の代行として" if filing else "運営主体が"
