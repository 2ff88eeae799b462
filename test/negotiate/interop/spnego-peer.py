"""SPNEGO peers for cesim's Negotiate interop tests: MIT krb5's SPNEGO mechanism (1.3.6.1.5.5.2)
over gss-ntlmssp, driven by python3-gssapi.

Speaks one line per message on stdin/stdout: "TOKEN <base64>" (possibly empty), "WRAP <base64>"
(a sealed message, 16-byte signature first), "MIC <base64>" (16-byte signature, then the
message), "OK <detail>", "FAIL <detail>".

  accept                       SPNEGO acceptor; NTLM_USER_FILE names gss-ntlmssp's users file
  init USER DOMAIN PASSWORD    SPNEGO initiator with a password credential
"""
import base64
import sys

SPNEGO = "1.3.6.1.5.5.2"


def out(kind, data=b""):
    sys.stdout.write(kind + " " + (base64.b64encode(data).decode() if isinstance(data, bytes) else data) + "\n")
    sys.stdout.flush()


def read():
    line = sys.stdin.readline().strip()
    if not line:
        sys.exit(3)
    kind, _, rest = line.partition(" ")
    return kind, base64.b64decode(rest) if rest else b""


def messages(ctx, gssapi, me):
    """After the exchange: unwrap the peer's sealed message and answer, then the same with MICs."""
    kind, sealed = read()
    try:
        plain = ctx.unwrap(sealed).message
    except gssapi.exceptions.GSSError as e:
        out("FAIL", "unwrap: " + str(e).replace("\n", " "))
        return
    out("WRAP", ctx.wrap(b"reply to " + plain, True).message)
    kind, signed = read()
    try:
        ctx.verify_signature(signed[16:], signed[:16])
    except gssapi.exceptions.GSSError as e:
        out("FAIL", "verify_mic: " + str(e).replace("\n", " "))
        return
    msg = b"signed by " + me
    out("MIC", ctx.get_signature(msg) + msg)


def accept():
    import gssapi
    creds = gssapi.Credentials(usage="accept", mechs=[gssapi.OID.from_int_seq(SPNEGO)])
    ctx = gssapi.SecurityContext(creds=creds, usage="accept")
    while not ctx.complete:
        kind, tok = read()
        if kind != "TOKEN":
            return
        try:
            reply = ctx.step(tok)
        except gssapi.exceptions.GSSError as e:
            out("FAIL", str(e).replace("\n", " "))
            return
        out("TOKEN", reply or b"")
    out("OK", str(ctx.initiator_name))
    messages(ctx, gssapi, b"gss acceptor")


def init(user, domain, password):
    import gssapi
    import gssapi.raw
    mech = gssapi.OID.from_int_seq(SPNEGO)
    name = gssapi.Name(domain + "\\" + user, gssapi.NameType.user)
    creds = gssapi.raw.acquire_cred_with_password(name, password.encode(), usage="initiate", mechs=[mech]).creds
    target = gssapi.Name("HTTP@cesim", gssapi.NameType.hostbased_service)
    ctx = gssapi.SecurityContext(name=target, creds=creds, mech=mech, usage="initiate", flags=gssapi.RequirementFlag.integrity | gssapi.RequirementFlag.confidentiality)
    out("TOKEN", ctx.step())
    while not ctx.complete:
        kind, reply = read()
        if kind != "TOKEN":
            return
        try:
            tok = ctx.step(reply)
        except gssapi.exceptions.GSSError as e:
            out("FAIL", str(e).replace("\n", " "))
            return
        out("TOKEN", tok or b"")
    out("OK", "initiator complete")
    out("WRAP", ctx.wrap(b"hello from gss spnego", True).message)
    kind, sealed = read()
    try:
        out("OK", ctx.unwrap(sealed).message)
    except gssapi.exceptions.GSSError as e:
        out("FAIL", "unwrap: " + str(e).replace("\n", " "))
        return
    msg = b"signed by gss initiator"
    out("MIC", ctx.get_signature(msg) + msg)
    kind, signed = read()
    try:
        ctx.verify_signature(signed[16:], signed[:16])
        out("OK", "mic verified")
    except gssapi.exceptions.GSSError as e:
        out("FAIL", "verify_mic: " + str(e).replace("\n", " "))


if __name__ == "__main__":
    mode, args = sys.argv[1], sys.argv[2:]
    {"accept": accept, "init": init}[mode](*args)
