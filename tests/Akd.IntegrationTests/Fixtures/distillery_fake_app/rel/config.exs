# Distillery's release configuration, as `akdctl init` writes it (with a fixed test cookie).
# The FAKE distillery task only checks that this file exists and reads `vm_args:` from it.
use Distillery.Releases.Config,
  default_release: :default,
  default_environment: Mix.env()

environment :prod do
  set include_erts: true
  set include_src: false
  set cookie: :"akd_fake_distillery_test_cookie"
  set vm_args: "rel/vm.args"
end

release :hello do
  set version: current_version(:hello)
  set applications: [:runtime_tools]
end
