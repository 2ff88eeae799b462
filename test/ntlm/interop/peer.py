"""NTLM peers for cesim's interop tests, built on independent implementations.

Speaks one line per message on stdin/stdout: "TOKEN <base64>", "WRAP <base64>" (a sealed message,
16-byte signature first), "OK <detail>", "FAIL <detail>".

  ntlmauth-client USER DOMAIN PASSWORD LEVEL   python3-ntlm-auth's NtlmContext as the client
  gss-accept                                    gss-ntlmssp (python3-gssapi) as the acceptor;
                                                NTLM_USER_FILE names its users file
  gss-init USER DOMAIN PASSWORD                 gss-ntlmssp as the initiator
"""
import base64
import sys


def out(kind, data=b""):
    sys.stdout.write(kind + " " + (base64.b64encode(data).decode() if isinstance(data, bytes) else data) + "\n")
    sys.stdout.flush()


def read():
    line = sys.stdin.readline().strip()
    if not line:
        sys.exit(3)
    kind, _, rest = line.partition(" ")
    return kind, base64.b64decode(rest) if rest else b""


def ntlmauth_client(user, domain, password, level):
    from ntlm_auth.ntlm import NtlmContext
    ctx = NtlmContext(user, password, domain=domain, workstation="PYCLIENT", ntlm_compatibility=int(level))
    out("TOKEN", ctx.step())
    kind, challenge = read()
    out("TOKEN", ctx.step(challenge))
    kind, status = read()  # the server's verdict
    if kind != "OK":
        out("FAIL", "server refused")
        return
    out("WRAP", ctx.wrap(b"hello from ntlm-auth"))
    kind, sealed = read()
    try:
        out("OK", ctx.unwrap(sealed))
    except Exception as e:  # noqa: BLE001 - reported to the test
        out("FAIL", repr(e))


NTLMSSP = "1.3.6.1.4.1.311.2.2.10"


def gss_accept():
    import gssapi
    mech = gssapi.OID.from_int_seq(NTLMSSP)
    creds = gssapi.Credentials(usage="accept", mechs=[mech])
    ctx = gssapi.SecurityContext(creds=creds, usage="accept")
    while not ctx.complete:
        kind, tok = read()
        try:
            reply = ctx.step(tok)
        except gssapi.exceptions.GSSError as e:
            out("FAIL", str(e).replace("\n", " "))
            return
        if reply:
            out("TOKEN", reply)
    out("OK", str(ctx.initiator_name))
    kind, sealed = read()
    try:
        plain = ctx.unwrap(sealed).message
    except gssapi.exceptions.GSSError as e:
        out("FAIL", str(e).replace("\n", " "))
        return
    out("WRAP", ctx.wrap(b"reply to " + plain, True).message)


def gss_init(user, domain, password):
    import gssapi
    import gssapi.raw
    mech = gssapi.OID.from_int_seq(NTLMSSP)
    name = gssapi.Name(domain + "\\" + user, gssapi.NameType.user)
    creds = gssapi.raw.acquire_cred_with_password(name, password.encode(), usage="initiate", mechs=[mech]).creds
    target = gssapi.Name("HTTP@cesim", gssapi.NameType.hostbased_service)
    ctx = gssapi.SecurityContext(name=target, creds=creds, mech=mech, usage="initiate", flags=gssapi.RequirementFlag.integrity | gssapi.RequirementFlag.confidentiality)
    tok = ctx.step()
    while True:
        out("TOKEN", tok)
        kind, reply = read()
        if kind != "TOKEN":
            break
        try:
            tok = ctx.step(reply)
        except gssapi.exceptions.GSSError as e:
            out("FAIL", str(e).replace("\n", " "))
            return
        if ctx.complete:
            out("TOKEN", tok or b"")
            kind, reply = read()
            break
    if kind != "OK":
        out("FAIL", "server refused")
        return
    out("WRAP", ctx.wrap(b"hello from gss-ntlmssp", True).message)
    kind, sealed = read()
    try:
        out("OK", ctx.unwrap(sealed).message)
    except gssapi.exceptions.GSSError as e:
        out("FAIL", str(e).replace("\n", " "))


if __name__ == "__main__":
    mode, args = sys.argv[1], sys.argv[2:]
    {"ntlmauth-client": ntlmauth_client, "gss-accept": gss_accept, "gss-init": gss_init}[mode](*args)
