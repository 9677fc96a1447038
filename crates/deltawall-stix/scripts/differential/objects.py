"""Differential: object validity of deltawall-stix vs OASIS stix2-validator over
systematic mutations (delete/replace each property, add custom properties) of valid objects.

Usage: STIX_CHECK=<path to the stix_check example> python objects.py
"""
import json, os
CHECK = os.environ.get("STIX_CHECK", "/work/target-stix/debug/examples/stix_check")
import json, subprocess, copy, collections
from stix2validator import validate_string, ValidationOptions
opts = ValidationOptions(version="2.1")
IND="indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"; IDN="identity--311b2d2d-f010-4473-83ec-1edf84858f4c"
def sdo(ty, **kw):
    d={"type":ty,"spec_version":"2.1","id":ty+"--6b0e3856-95f3-4a4c-ab2c-3a0f5a4d2e8b","created":"2024-01-02T03:04:05.000Z","modified":"2024-01-02T03:04:05.000Z"}
    d.update(kw); return d
def sco(ty, **kw):
    d={"type":ty,"spec_version":"2.1","id":ty+"--0b7a8c3e-1b1d-4f6e-8a3b-4c5d6e7f8091"}; d.update(kw); return d
base=[
 sdo("indicator",name="n",pattern="[ipv4-addr:value = '198.51.100.1']",pattern_type="stix",valid_from="2024-01-02T03:04:05Z",indicator_types=["malicious-activity"],confidence=50,labels=["a"],lang="en",created_by_ref=IDN,external_references=[{"source_name":"cve","external_id":"CVE-2014-0160"}],object_marking_refs=["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"],kill_chain_phases=[{"kill_chain_name":"lockheed-martin-cyber-kill-chain","phase_name":"delivery"}]),
 sdo("observed-data",first_observed="2024-01-02T00:00:00Z",last_observed="2024-01-02T01:00:00Z",number_observed=1,object_refs=["ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4"]),
 sdo("report",name="r",published="2024-01-02T03:04:05Z",object_refs=[IND],report_types=["threat-report"]),
 sdo("identity",name="Bank",identity_class="organization",sectors=["financial-services"]),
 sdo("malware",name="m",is_family=True,malware_types=["ransomware"]),
 sdo("opinion",opinion="agree",object_refs=[IND]),
 sdo("note",content="c",object_refs=[IND]),
 sdo("relationship",relationship_type="indicates",source_ref=IND,target_ref="malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b"),
 sdo("sighting",sighting_of_ref=IND,where_sighted_refs=[IDN],count=3,first_seen="2024-01-01T00:00:00Z",last_seen="2024-01-02T00:00:00Z"),
 sdo("vulnerability",name="CVE-2014-0160"),
 sdo("threat-actor",name="t",threat_actor_types=["crime-syndicate"]),
 sdo("campaign",name="c"), sdo("tool",name="t"), sdo("attack-pattern",name="a"), sdo("course-of-action",name="c"), sdo("incident",name="i"),
 sco("ipv4-addr",value="198.51.100.3"), sco("ipv6-addr",value="2001:db8::1"), sco("domain-name",value="example.com"), sco("url",value="https://example.com/"),
 sco("file",hashes={"SHA-256":"a"*64},name="x.exe",size=10), sco("email-addr",value="a@example.com"),
 sco("network-traffic",protocols=["tcp"],dst_ref="ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4",dst_port=443),
 sco("user-account",user_id="1001",account_type="unix"), sco("autonomous-system",number=15139), sco("x509-certificate",serial_number="01"),
 sco("mac-addr",value="00:00:5e:00:53:00"), sco("process",pid=4), sco("software",name="w"),
 {"type":"marking-definition","spec_version":"2.1","id":"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da","created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","name":"TLP:GREEN","definition":{"tlp":"green"}},
]
VALS=[None,"",[],{},0,-1,1000000000000,1.5,True,"x","2024-01-02T03:04:05Z","2024-01-02T03:04:05.000Z","indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",["x"],[IND],{"a":"b"}]
cases=[]
for b in base:
    cases.append(("base",b["type"],"-",b))
    for k in list(b):
        m=copy.deepcopy(b); del m[k]; cases.append(("del",b["type"],k,m))
        for v in VALS:
            m=copy.deepcopy(b); m[k]=v; cases.append(("set",b["type"],k+"="+json.dumps(v)[:30],m))
    for extra in [("x_custom",1),("custom",1),("Bad-Name",1),("ab",1)]:
        m=copy.deepcopy(b); m[extra[0]]=extra[1]; cases.append(("add",b["type"],extra[0],m))
# Nested structures: granular markings, external references, hashes, extensions, kill chains.
ind = base[0]
nested = [
 {"granular_markings":[{"marking_ref":"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da","selectors":["name"]}]},
 {"granular_markings":[{"marking_ref":"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da","selectors":["nope"]}]},
 {"granular_markings":[{"marking_ref":"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da","selectors":[]}]},
 {"granular_markings":[{"lang":"ja","selectors":["name"]}]},
 {"granular_markings":[{"lang":"ja","marking_ref":"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da","selectors":["name"]}]},
 {"granular_markings":[{"selectors":["name"]}]},
 {"granular_markings":[{"marking_ref":IND,"selectors":["name"]}]},
 {"granular_markings":[{"marking_ref":"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da","selectors":["labels.[0]"]}]},
 {"granular_markings":[{"marking_ref":"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da","selectors":["labels.[5]"]}]},
 {"external_references":[{"source_name":"x"}]},
 {"external_references":[{"source_name":"x","url":"https://a"}]},
 {"external_references":[{"url":"https://a"}]},
 {"external_references":[{"source_name":"cve","external_id":"CVE-14-1"}]},
 {"external_references":[{"source_name":"capec","external_id":"CAPEC-x"}]},
 {"external_references":[{"source_name":"x","external_id":"1","hashes":{"MD5":"abc"}}]},
 {"external_references":[{"source_name":"x","external_id":"1","hashes":{"SHA-256":"a"*64}}]},
 {"kill_chain_phases":[{"kill_chain_name":"a"}]},
 {"kill_chain_phases":[{"kill_chain_name":"A B","phase_name":"x"}]},
 {"kill_chain_phases":[]},
 {"extensions":{}},
 {"extensions":{"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e":{"extension_type":"property-extension","x":1}}},
 {"extensions":{"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e":{"x":1}}},
 {"extensions":{"extension-definition--bad":{"extension_type":"property-extension"}}},
 {"extensions":{"x-acme-ext":{"a":1}}},
 {"extensions":{"ntfs-ext":{"sid":"1"}}},
 {"lang":"ja-JP"},{"lang":"xx-invalid-tag-long"},{"lang":"e"},
 {"labels":["a","a"]},{"labels":[1]},
 {"confidence":50.5},
 {"pattern":"[file:hashes.MD5 = 'abc']"},{"pattern":"[file:name = 'a' AND ipv4-addr:value = '1.2.3.4']"},{"pattern":"[x-custom:foo = 1]"},
 {"pattern":"[file:name = 'a']","pattern_type":"snort"},{"pattern":"garbage","pattern_type":"snort"},
 {"valid_until":"2024-01-02T03:04:05.001Z"},{"valid_from":"2024-01-02T03:04:05.123456789Z"},
 {"created":"2024-01-02T03:04:05.1Z","modified":"2024-01-02T03:04:05.1Z"},
 {"modified":"2024-01-02T03:04:04.999Z"},
 {"indicator_types":["bogus"]},{"indicator_types":[]},
]
for n in nested:
    m=copy.deepcopy(ind); m.update(n); cases.append(("nested","indicator",json.dumps(n)[:60],m))
f=base[20]
for h in [{"MD5":"A"*32},{"SHA-1":"a"*39},{"SHA-256":"g"*64},{"SHA3-256":"a"*64},{"SSDEEP":"3:a:b"},{"TLSH":"x"},{"md5":"a"*32},{"x":"a"},{}]:
    m=copy.deepcopy(f); m["hashes"]=h; cases.append(("nested","file","hashes="+json.dumps(h)[:40],m))
inp="\n".join(json.dumps({"kind":"object","text":json.dumps(c[3])}) for c in cases)+"\n"
out=subprocess.run([CHECK],input=inp.encode(),capture_output=True).stdout.decode().splitlines()
agree=0; dis=collections.defaultdict(list)
for c,o in zip(cases,out):
    o=json.loads(o)
    try:
        r=validate_string(json.dumps(c[3]),opts); py=bool(r.is_valid)
    except Exception as ex:
        class R: pass
        r=R(); r.as_dict=lambda: {"errors":[{"message":"exception "+str(ex)}]}; py=False
    if py==o["ok"]: agree+=1
    else:
        d=r.as_dict()
        dis[("ours-accepts" if o["ok"] else "ours-rejects")].append((c[1],c[0],c[2],(o.get("err") or [""])[:1],[e.get("message","")[:120] for e in d.get("errors",[])][:1]))
print("cases",len(cases),"agree",agree)
for k,v in dis.items():
    print("==",k,len(v))
    for x in v: print("  ",x)
