"""Cross-region actions: one artifact store per region used (the home store included), the
regions without a store, and cross-account action roles."""

from __future__ import annotations

from helpers import compile_template, error_tuples, spec_from_stages, stage_actions, statements

REGIONS = """
artifacts:
  regions:
    eu-west-1: {bucket: demo-euw1, encryption: "arn:aws:kms:eu-west-1:111111111111:key/k1"}
    us-west-2: {bucket: demo-usw2}
    ap-south-1: {bucket: demo-aps1}
"""


def deploy_in(*regions, extra=REGIONS) -> str:
    body = "- name: Deploy\n  actions:\n"
    for i, region in enumerate(regions):
        body += (f"    - name: D{i}\n      type: deploy\n      provider: s3\n"
                 f"      bucket: target-{i}\n      extract: true\n      region: {region}\n")
    return spec_from_stages(body, extra)


def test_artifact_stores_for_the_regions_used(tmp_path, linter):
    t = compile_template(tmp_path, deploy_in("eu-west-1", "us-west-2", "eu-west-1",
                                         "!Ref AWS::Region"), linter)
    props = t["Resources"]["Pipeline"]["Properties"]
    assert "ArtifactStore" not in props
    assert props["ArtifactStores"] == [
        {"Region": {"Ref": "AWS::Region"},
         "ArtifactStore": {"Type": "S3", "Location": {"Ref": "ArtifactBucket"}}},
        {"Fn::If": ["PipegenHomeIsEuWest1", {"Ref": "AWS::NoValue"}, {
            "Region": "eu-west-1",
            "ArtifactStore": {"Type": "S3", "Location": "demo-euw1", "EncryptionKey": {
                "Id": "arn:aws:kms:eu-west-1:111111111111:key/k1", "Type": "KMS"}}}]},
        {"Fn::If": ["PipegenHomeIsUsWest2", {"Ref": "AWS::NoValue"}, {
            "Region": "us-west-2",
            "ArtifactStore": {"Type": "S3", "Location": "demo-usw2"}}]},
    ]
    # ap-south-1 is listed but unused: no store. A listed region that turns out to be the
    # stack's own region drops out, since CodePipeline takes one store per region.
    assert t["Conditions"] == {
        "PipegenHomeIsEuWest1": {"Fn::Equals": [{"Ref": "AWS::Region"}, "eu-west-1"]},
        "PipegenHomeIsUsWest2": {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-west-2"]}}
    assert [a.get("Region") for a in stage_actions(t, "Deploy")] == [
        "eu-west-1", "us-west-2", "eu-west-1", {"Ref": "AWS::Region"}]
    grants = statements(t)
    assert {"Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
            "Effect": "Allow", "Resource": [
                # Existing regional buckets: this pipeline's folder only (its name's first 20
                # characters, which CodePipeline names it after).
                {"Fn::Sub": "arn:${AWS::Partition}:s3:::demo-euw1/demo/*"},
                {"Fn::Sub": "arn:${AWS::Partition}:s3:::demo-usw2/demo/*"},
                {"Fn::Sub": "arn:${AWS::Partition}:s3:::${ArtifactBucket}/*"}]} in grants
    assert any(s["Resource"] == ["arn:aws:kms:eu-west-1:111111111111:key/k1"]
               and "kms:Decrypt" in s["Action"] for s in grants)


def test_home_region_actions_need_no_store(tmp_path):
    t = compile_template(tmp_path, deploy_in("!Ref AWS::Region", extra=""))
    props = t["Resources"]["Pipeline"]["Properties"]
    assert "ArtifactStores" not in props
    assert props["ArtifactStore"] == {"Type": "S3", "Location": {"Ref": "ArtifactBucket"}}
    assert "Conditions" not in t


def test_region_without_a_store_is_an_error(tmp_path):
    found = error_tuples(tmp_path, deploy_in("eu-central-1"))
    assert found == [(
        "PG356", "action 'D0' runs in eu-central-1, which has no artifact store",
        "stages[0].actions[0].region", 21, 17,
        "add `artifacts: {regions: {eu-central-1: {bucket: ...}}}` (regions with a store: "
        "eu-west-1, us-west-2, ap-south-1); if eu-central-1 is where the pipeline itself is "
        "deployed (its home region, which a template cannot know), write `region: !Ref "
        "AWS::Region` instead")]


def test_intrinsic_region_needs_a_store_under_the_same_intrinsic(tmp_path):
    found = error_tuples(tmp_path, deploy_in("!Ref Other",
                                             extra="parameters: {Other: {type: String}}"))
    assert [(f[0], f[1], f[2]) for f in found] == [(
        "PG356", "action 'D0' runs in the region !Ref Other, which has no artifact store",
        "stages[0].actions[0].region")]


def test_reserved_condition_name(tmp_path):
    found = error_tuples(tmp_path, deploy_in("us-west-2", extra=REGIONS + """
conditions:
  PipegenHomeIsUsWest2: !Equals [a, b]
outputs:
  Marker: {value: x, condition: PipegenHomeIsUsWest2}
"""))
    # The unused condition is also reported (PG375); the reserved name is what matters here.
    assert ("PG357", "the condition name 'PipegenHomeIsUsWest2' is reserved for the us-west-2 "
            "artifact store") in [(f[0], f[1]) for f in found]


def test_cross_account_action_role(tmp_path, linter):
    t = compile_template(tmp_path, spec_from_stages("""
        - name: Deploy
          actions:
            - name: Site
              type: deploy
              provider: s3
              bucket: other-account-site
              extract: true
              region: eu-west-1
              role: arn:aws:iam::222222222222:role/site-deployer
    """, REGIONS + "  encryption: generated\n  grant: [arn:aws:iam::222222222222:role/"
         "site-deployer]"), linter)
    [a] = stage_actions(t, "Deploy")
    assert a["RoleArn"] == "arn:aws:iam::222222222222:role/site-deployer"
    assert a["Region"] == "eu-west-1"
    grants = statements(t)
    assert {"Action": ["sts:AssumeRole"], "Effect": "Allow",
            "Resource": ["arn:aws:iam::222222222222:role/site-deployer"]} in grants
    # The action role does the upload: the pipeline role gets no s3:PutObject on the target.
    assert not [s for s in grants if any("other-account-site" in str(r)
                                         for r in s["Resource"])]


def test_cross_account_action_needs_a_customer_managed_key(tmp_path):
    found = error_tuples(tmp_path, spec_from_stages("""
        - name: Deploy
          actions:
            - name: Home
              type: deploy
              provider: s3
              bucket: site
              extract: true
              role: arn:aws:iam::222222222222:role/site-deployer
            - name: West
              type: deploy
              provider: s3
              bucket: site
              extract: true
              region: us-west-2
              role: arn:aws:iam::222222222222:role/site-deployer
    """, REGIONS))
    message = ("runs as another role (`role`), and its artifact store uses the AWS-managed "
               "aws/s3 key, whose key policy cannot be changed to let another account decrypt "
               "the artifacts")
    assert [(f[0], f[1], f[2], f[5]) for f in found] == [
        ("PG378", "action 'Home' runs as a role that may be in another account, and the "
         "artifacts are encrypted with the AWS-managed aws/s3 key, whose key policy cannot be "
         "changed, so no other account can decrypt them", "stages[0].actions[0].role",
         "set `artifacts.encryption: generated` (or the ARN of a customer-managed key) and list "
         "the role under `artifacts.grant`; a role in this account can be written "
         "!Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:role/NAME"),
        ("PG369", f"action 'West' {message}", "stages[0].actions[1].role",
         "give artifacts.regions.us-west-2 an `encryption` key ARN, and list the role in "
         "`artifacts.grant`"),
    ]


LOOKUP = """
mappings:
  Second:
    us-west-2: {Region: us-east-1}
    us-east-1: {Region: us-west-2}
"""


def test_a_region_looked_up_in_a_mapping_gets_the_store_of_every_region_it_can_name(
        tmp_path, linter):
    # The public cross-region CodeDeploy sample: each stack deploys to "the other" region.
    extra = LOOKUP + REGIONS.replace("ap-south-1: {bucket: demo-aps1}",
                                     "us-east-1: {bucket: demo-use1}")
    t = compile_template(tmp_path, deploy_in(
        "!FindInMap [Second, !Ref 'AWS::Region', Region]", extra=extra), linter)
    stores = t["Resources"]["Pipeline"]["Properties"]["ArtifactStores"]
    assert [s["Fn::If"][2]["Region"] for s in stores[1:]] == ["us-east-1", "us-west-2"]
    assert [s["Fn::If"][0] for s in stores[1:]] == ["PipegenHomeIsUsEast1",
                                                    "PipegenHomeIsUsWest2"]
    assert stage_actions(t, "Deploy")[0]["Region"] == {
        "Fn::FindInMap": ["Second", {"Ref": "AWS::Region"}, "Region"]}


def test_a_region_looked_up_in_a_mapping_needs_a_store_for_each_region_it_can_name(tmp_path):
    extra = LOOKUP + REGIONS  # no store for us-east-1
    errors = error_tuples(tmp_path, deploy_in("!FindInMap [Second, !Ref 'AWS::Region', Region]",
                                              extra=extra))
    assert [(e[0], e[2]) for e in errors] == [("PG356", "stages[0].actions[0].region")]
    assert "which can be us-east-1, us-west-2; us-east-1 has no artifact store" in errors[0][1]
    assert "us-east-1: {bucket: ...}" in errors[0][5]
