resource "aws_iam_user" "admin_console" {
  name = "admin"
}
resource "aws_iam_user_login_profile" "admin_console" {
  user = aws_iam_user.admin_console.name
}
resource "aws_iam_user_policy_attachment" "admin_console" {
  user       = aws_iam_user.admin_console.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
resource "aws_iam_user" "reader_console" {
  name = "reader"
}
resource "aws_iam_user_login_profile" "reader_console" {
  user = aws_iam_user.reader_console.name
}
resource "aws_iam_user_policy_attachment" "reader_console" {
  user       = aws_iam_user.reader_console.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}
resource "aws_iam_user" "admin_via_group" {
  name = "grouped"
}
resource "aws_iam_user_login_profile" "admin_via_group" {
  user = aws_iam_user.admin_via_group.name
}
resource "aws_iam_group" "admins" {
  name = "admins"
}
resource "aws_iam_group_policy_attachment" "admins" {
  group      = aws_iam_group.admins.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
resource "aws_iam_user_group_membership" "admin_via_group" {
  user   = aws_iam_user.admin_via_group.name
  groups = [aws_iam_group.admins.name]
}
